-- Billing months: every accepted layout gives the first day of the month.
with

cases (raw, expected) as (

    values
    ('2026-09', '2026-09-01'::date),
    ('2026-09-01', '2026-09-01'),
    ('2026-09-15', '2026-09-15'),
    ('202609', '2026-09-01'),
    ('09.2026', '2026-09-01'),
    ('9/2026', '2026-09-01'),
    ('13/2026', null),
    ('2026-13', null),
    ('2026', null),
    ('sept', null)

),

parsed as (

    select
        raw,
        expected,
        {{ crm_segments.datetime_parts('raw', month_only=true) }} as parts
    from cases

),

checked as (

    select
        raw,
        expected,
        {{ crm_segments.date_from_parts('parts') }} as parsed
    from parsed

)

select * from checked
where parsed is distinct from expected
