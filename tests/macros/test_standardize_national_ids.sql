-- National id checksums on ids made by the generator's own (Python) implementation, with the
-- check character corrupted, and ids whose embedded date or county is impossible. Returns the
-- cases where the macros disagree.
with

cases (raw, expected_type, expected_valid, expected_birth_date) as (

    values
    ('1850307401231', 'ro_cnp', true, '1985-03-07'::date),
    ('2991231120079', 'ro_cnp', true, '1999-12-31'),
    ('5030228529999', 'ro_cnp', true, '2003-02-28'),
    ('2600701010454', 'ro_cnp', true, '1960-07-01'),
    ('1850307401233', 'ro_cnp', false, null),
    ('2991231120071', 'ro_cnp', false, null),
    ('1850230401236', 'ro_cnp', false, null),      -- 30 February
    ('1850307991230', 'ro_cnp', false, null),      -- county 99
    (' 1850-307-401-231 ', 'ro_cnp', true, '1985-03-07'),
    ('310101198801020150', 'cn_resident_id', true, '1988-01-02'),
    ('110101199005170104', 'cn_resident_id', true, '1990-05-17'),
    ('440305200109090246', 'cn_resident_id', true, '2001-09-09'),
    ('31010119880102029x', 'cn_resident_id', true, '1988-01-02'),
    ('310101198801020158', 'cn_resident_id', false, null),
    ('110101199005170108', 'cn_resident_id', false, null),
    ('110101199002300101', 'cn_resident_id', false, null),  -- 30 February
    ('8804 307894', 'other', null, null),
    ('AB1234567', 'other', null, null),
    ('', null, null, null),
    (null, null, null, null)

),

checked as (

    select
        cases.*,
        {{ crm_segments.standardize_national_id('raw') }} as national_id
    from cases

),

evaluated as (

    select
        checked.*,
        {{ crm_segments.national_id_type('national_id') }} as actual_type,
        case {{ crm_segments.national_id_type('national_id') }}
            when 'ro_cnp' then {{ crm_segments.cnp_is_valid('national_id') }}
            when 'cn_resident_id' then {{ crm_segments.cn_id_is_valid('national_id') }}
        end as actual_valid,
        case {{ crm_segments.national_id_type('national_id') }}
            when 'ro_cnp' then {{ crm_segments.cnp_birth_date('national_id') }}
            when 'cn_resident_id' then {{ crm_segments.cn_id_birth_date('national_id') }}
        end as actual_birth_date
    from checked

)

select * from evaluated
where
    actual_type is distinct from expected_type
    or actual_valid is distinct from expected_valid
    or (expected_valid and actual_birth_date is distinct from expected_birth_date)
