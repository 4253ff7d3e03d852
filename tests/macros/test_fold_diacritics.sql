-- fold_diacritics (a short list of letters first, the long list only when a letter of its range
-- is left) gives what the long list alone gives (fold_diacritics_all): for every character of
-- the Latin ranges, Cyrillic and a few others, alone, after a letter of the short list and
-- between ASCII letters; and a few names and addresses as they are folded.
with

code_points as (

    select series.code_point
    from generate_series(1, 1279) as series (code_point)  -- ASCII, Latin-1, Latin Extended, Cyrillic
    union all
    select series.code_point
    from generate_series(7680, 7935) as series (code_point)  -- Latin Extended Additional
    union all
    select code_point
    from (values (19968), (21271), (12290), (8364)) as extra (code_point)  -- 一 北 。 €

),

characters as (

    select chr(code_point) as letter
    from code_points

),

compared (raw, expected) as (

    select
        variants.raw,
        {{ crm_segments.fold_diacritics_all('variants.raw') }}
    from characters
    cross join
        lateral (
            values
            (characters.letter),
            ('ș' || characters.letter),
            ('ab' || characters.letter || 'cd'),
            (characters.letter || 'ă' || characters.letter)
        ) as variants (raw)

    union all

    select
        examples.raw,
        examples.expected
    from (
        values
        ('ștefănescu', 'stefanescu'),
        ('știință', 'stiinta'),
        ('şoseaua ţiglina', 'soseaua tiglina'),
        ('ёлкин', 'елкин'),
        ('straße', 'strasse'),
        ('nguyễn văn đức', 'nguyen van duc'),
        ('müller-lüdenscheidt', 'muller-ludenscheidt'),
        ('łódź', 'lodz'),
        ('ærø œuvre', 'aero oeuvre'),
        ('popescu', 'popescu'),
        ('иванов', 'иванов'),
        ('北京', '北京'),
        ('', ''),
        (null, null)
    ) as examples (raw, expected)

)

select *
from compared
where {{ crm_segments.fold_diacritics('raw') }} is distinct from expected
