-- Numbers (decimal comma, thousands separators, spaces), integers and booleans; anything
-- unreadable must come out NULL, never raise. parse_numeric's fast path (plain digits and a
-- point) must give the general path's value and scale, and parse_integer's (plain digits) the
-- general path's value: a leading blank always takes the latter.
with

numbers (raw, expected_numeric, expected_integer) as (

    values
    ('12.5', 12.5::numeric, null::bigint),
    ('12,5', 12.5, null),
    ('-3', -3, -3),
    ('+7', 7, 7),
    ('12.0', 12.0, 12),
    ('1 234,50', 1234.50, null),
    ('1,234.56', 1234.56, null),
    ('1.234.567,8', 1234567.8, null),
    ('0', 0, 0),
    ('007', 7, 7),
    ('000000000000000', 0, 0),
    ('1234567890123456', null, null),
    ('-000000000000001', -1, -1),
    ('+1234567890123456', null, null),
    ('-0', 0, 0),
    ('1-2', null, null),
    ('--1', null, null),
    ('-', null, null),
    ('123456789012345', 123456789012345, 123456789012345),
    ('1.123456', 1.123456, null),
    ('1.1234567', null, null),
    ('1.234', 1.234, null),
    ('007.50', 7.50, null),
    ('5.', null, null),
    ('.5', null, null),
    ('12,5O', null, null),
    ('abc', null, null),
    ('1e5', null, null),
    ('12.5.6', null, null),
    ('9999999999999999', null, null),
    ('', null, null),
    (null, null, null)

),

booleans (raw, expected) as (

    values
    ('true', true), ('TRUE', true), (' t ', true), ('1', true), ('yes', true), ('Y', true),
    ('da', true), ('да', true),
    ('false', false), ('F', false), ('0', false), ('no', false), ('nu', false), ('нет', false),
    ('maybe', null), ('2', null), ('', null), (null, null)

),

number_failures as (

    select
        raw,
        'number' as kind
    from numbers
    where
        {{ crm_segments.parse_numeric('raw') }} is distinct from expected_numeric
        or ({{ crm_segments.parse_numeric('raw') }})::text
        is distinct from ({{ crm_segments.parse_numeric("' ' || raw") }})::text
        or {{ crm_segments.parse_integer('raw') }} is distinct from expected_integer
        or {{ crm_segments.parse_integer('raw') }} is distinct from {{ crm_segments.parse_integer("' ' || raw") }}

),

boolean_failures as (

    select
        raw,
        'boolean' as kind
    from booleans
    where {{ crm_segments.parse_boolean('raw') }} is distinct from expected

)

select * from number_failures
union all
select * from boolean_failures
