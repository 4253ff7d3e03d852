-- Billing months: every accepted layout gives the first day of the month, and datetime_parts'
-- fast path the parts of its general path (a leading blank always takes the general path).
with

cases (raw, expected) as (

    values
    ('2026-09', '2026-09-01'::date),
    (' 2026-09 ', '2026-09-01'),
    ('2026-00', null),
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
        {{ crm_segments.datetime_parts('raw', month_only=true) }} as parts,
        {{ crm_segments.datetime_parts("' ' || raw", month_only=true) }} as general_parts
    from cases

),

checked as (

    select
        raw,
        expected,
        parts,
        general_parts,
        {{ crm_segments.date_from_parts('parts') }} as parsed
    from parsed

)

select * from checked
where
    parsed is distinct from expected
    or parts is distinct from general_parts
