-- Birth dates from the raw text through staging's parser (datetime_parts, date_from_parts) to
-- birth_date_invalid_reason: every layout of SPEC.md section 1, impossible calendar dates,
-- dates in the future and ages over the var max_age_years. Returns the disagreeing cases.
with

cases (raw, expected_date, expected_reason) as (

    values
    ('1985-03-07', '1985-03-07'::date, null),
    ('07.03.1985', '1985-03-07', null),
    ('07/03/1985', '1985-03-07', null),
    ('07-03-1985', '1985-03-07', null),
    ('19850307', '1985-03-07', null),
    ('1985/03/07', '1985-03-07', null),
    ('29.02.2000', '2000-02-29', null),
    ('31.02.1990', null, 'unreadable'),
    ('29.02.1990', null, 'unreadable'),
    ('1985-13-01', null, 'unreadable'),
    ('07.03.85', null, 'unreadable'),
    ('unknown', null, 'unreadable'),
    (
        to_char({{ crm_segments.as_of_date() }} + 30, 'DD.MM.YYYY'),
        null,
        'future'
    ),
    (
        to_char({{ crm_segments.as_of_date() }}, 'YYYY-MM-DD'),
        {{ crm_segments.as_of_date() }},
        null
    ),
    (
        to_char(
            {{ crm_segments.as_of_date() }}
            - make_interval(years => {{ var('max_age_years') }}, days => 1),
            'YYYY-MM-DD'
        ),
        null,
        'too_old'
    ),
    (null, null, null)

),

parsed as (

    select
        cases.*,
        {{ crm_segments.datetime_parts('raw') }} as parts,
        array[]::text[] as _oversized_fields  -- in scope in staging, where invalid_fields runs
    from cases
    -- offset 0 is a fence: parse once
    /* noqa: AM09 */ offset 0

),

staged as (

    select
        parsed.*,
        {{ crm_segments.date_from_parts('parts') }} as staged_date,
        {{ crm_segments.invalid_fields([['birth_date', 'raw', crm_segments.date_from_parts('parts')]]) }}
            as invalid_fields
    from parsed

),

evaluated as (

    select
        staged.*,
        {{ crm_segments.birth_date_invalid_reason('staged_date', 'invalid_fields') }} as actual_reason
    from staged

)

select * from evaluated
where
    actual_reason is distinct from expected_reason
    or (actual_reason is null and staged_date is distinct from expected_date)
