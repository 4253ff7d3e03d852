-- The date and timestamp parsers on the layouts of SPEC.md section 1 and on values that must
-- come out NULL (impossible dates, garbage). Returns the cases where a parser disagrees, and
-- those where datetime_parts' fast path (chosen by the value's shape) gives other parts than its
-- general path: a leading blank always takes the general path, which trims it.
with

cases (raw, expected_date, expected_at) as (

    values
    ('1985-03-07', '1985-03-07'::date, '1985-03-07 00:00:00+00'::timestamptz),
    ('07.03.1985', '1985-03-07', '1985-03-07 00:00:00+00'),
    ('07/03/1985', '1985-03-07', '1985-03-07 00:00:00+00'),
    ('7/3/1985', '1985-03-07', '1985-03-07 00:00:00+00'),
    ('07-03-1985', '1985-03-07', '1985-03-07 00:00:00+00'),
    ('19850307', '1985-03-07', '1985-03-07 00:00:00+00'),
    ('1985/03/07', '1985-03-07', '1985-03-07 00:00:00+00'),
    (' 1985-03-07 ', '1985-03-07', '1985-03-07 00:00:00+00'),
    ('2024-02-29', '2024-02-29', '2024-02-29 00:00:00+00'),
    ('2000-02-29', '2000-02-29', '2000-02-29 00:00:00+00'),
    ('2024-05-01 10:22:33', '2024-05-01', '2024-05-01 10:22:33+00'),
    ('2024-05-01T10:22:33Z', '2024-05-01', '2024-05-01 10:22:33+00'),
    ('2024-05-01T10:22:33.250Z', '2024-05-01', '2024-05-01 10:22:33.25+00'),
    ('2024-05-01T10:22:33+03:00', '2024-05-01', '2024-05-01 07:22:33+00'),
    ('2024-05-01 10:22:33+0300', '2024-05-01', '2024-05-01 07:22:33+00'),
    ('2024-05-01 10:22:33-05', '2024-05-01', '2024-05-01 15:22:33+00'),
    ('2024-05-01 10:22:33+05:30', '2024-05-01', '2024-05-01 04:52:33+00'),
    ('01.05.2024 10:22', '2024-05-01', '2024-05-01 10:22:00+00'),
    ('2024-05-01T10:22:33', '2024-05-01', '2024-05-01 10:22:33+00'),
    ('2024-05-01 10:22:33Z', '2024-05-01', '2024-05-01 10:22:33+00'),
    (' 2024-05-01 10:22:33 ', '2024-05-01', '2024-05-01 10:22:33+00'),
    ('01.05.2024', '2024-05-01', '2024-05-01 00:00:00+00'),
    ('31.02.2024 10:22', null, null),
    ('01.05.2024 24:00', '2024-05-01', null),
    ('2024-02-30 10:22:33', null, null),
    ('2024-05-01 23:59:60', '2024-05-01', null),
    ('31.02.1985', null, null),
    ('1900-02-29', null, null),
    ('2023-02-29', null, null),
    ('1985-13-01', null, null),
    ('1985-00-10', null, null),
    ('1985-04-31', null, null),
    ('1899-12-31', null, null),
    ('2101-01-01', null, null),
    ('2024-05-01 24:00:00', '2024-05-01', null),
    ('2024-05-01 10:61', '2024-05-01', null),
    ('2024-05-01 10:22:33+15:00', '2024-05-01', null),
    ('not a date', null, null),
    ('-', null, null),
    ('', null, null),
    (null, null, null),
    ('1985-03-07x', null, null),
    ('85-03-07', null, null)

),

parsed as (

    select
        raw,
        expected_date,
        expected_at,
        {{ crm_segments.datetime_parts('raw') }} as parts,
        {{ crm_segments.datetime_parts("' ' || raw") }} as general_parts
    from cases

),

checked as (

    select
        raw,
        expected_date,
        expected_at,
        parts,
        general_parts,
        {{ crm_segments.date_from_parts('parts') }} as parsed_date,
        {{ crm_segments.timestamp_from_parts('parts') }} as parsed_at
    from parsed

)

select * from checked
where
    parsed_date is distinct from expected_date
    or parsed_at is distinct from expected_at
    or parts is distinct from general_parts
