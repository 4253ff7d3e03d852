-- The junk guard runs every pattern of seeds/reference/junk_identifiers against user data: a
-- regular expression with a back-reference (\1) backtracks - on a value of one repeated
-- character its time grows with the square of the length and more (issue 11: 16 kB took 1 s).
-- Patterns are plain regular expressions only; "one character repeated" is the match type
-- repeated_character, which needs no pattern. One row per offending pattern.
select
    identifier_type,
    match_type,
    pattern
from {{ ref('junk_identifiers') }}
where
    (match_type = 'regex' and pattern ~ '\\[1-9]')
    or (match_type in ('exact', 'like', 'regex') and pattern is null)
