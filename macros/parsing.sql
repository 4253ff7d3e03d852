{#-
  Tolerant parsing of text input. Every macro returns NULL for a value it cannot read and
  never raises a database error, whatever the input: raw data is dirty and a bad value must
  become NULL plus a flag (see invalid_fields), not a failed build.
  The expressions are plain SQL (regex guards, no exception-catching functions), so they run
  on PostgreSQL 15 as well as 18 and stay fast at tens of millions of rows.
-#}

{% macro trimmed(expr) -%}
    {{ return(adapter.dispatch('trimmed', 'crm_segments')(expr)) }}
{%- endmacro %}

{% macro default__trimmed(expr) -%}
    nullif(btrim(({{ expr }})::text, E' \t\r\n\u00a0'), '')
{%- endmacro %}


{% macro clean_text(expr) -%}
    {{ return(adapter.dispatch('clean_text', 'crm_segments')(expr)) }}
{%- endmacro %}

{% macro default__clean_text(expr) -%}
    nullif(btrim(regexp_replace(({{ expr }})::text, '[\s\u00a0\u2007\u202f]+', ' ', 'g')), '')
{%- endmacro %}


{% macro normalize_code(expr) -%}
    {{ return(adapter.dispatch('normalize_code', 'crm_segments')(expr)) }}
{%- endmacro %}

{% macro default__normalize_code(expr) -%}
    nullif(btrim(regexp_replace(lower(({{ expr }})::text), '[\s\-]+', '_', 'g'), '_'), '')
{%- endmacro %}


{% macro parse_numeric(expr) -%}
    {{ return(adapter.dispatch('parse_numeric', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- Accepts 12.5, 12,5 (decimal comma), 1,234.56 and 1.234,56 (thousands separators), spaces
    inside; at most 15 integer digits, so the result always fits numeric(21, 6). -#}
{% macro default__parse_numeric(expr) -%}
    {%- set raw = "(" ~ expr ~ ")::text" -%}
    {%- set v = "translate(" ~ raw ~ ", E' \\u00a0\\u202f\\'', '')" -%}
    {#- the fast path: plain digits with at most one decimal point (what the first pattern below
        accepts of such a value), tested without a regular expression (1.1 us instead of 2.4 per
        value; tests/macros/test_parse_numbers_and_booleans.sql) #}
    case
        when translate({{ raw }}, '0123456789', '') in ('', '.')
            and (
                strpos({{ raw }}, '.') = 0 and length({{ raw }}) between 1 and 15
                or strpos({{ raw }}, '.') between 2 and 16 and length({{ raw }}) - strpos({{ raw }}, '.') between 1 and 6
            )
            then ({{ raw }})::numeric
        when {{ v }} ~ '^[+-]?\d{1,15}([.,]\d{1,6})?$'
            then replace({{ v }}, ',', '.')::numeric
        when {{ v }} ~ '^[+-]?\d{1,3}(,\d{3}){1,4}(\.\d{1,6})?$'
            then replace({{ v }}, ',', '')::numeric
        when {{ v }} ~ '^[+-]?\d{1,3}(\.\d{3}){1,4}(,\d{1,6})?$'
            then replace(replace({{ v }}, '.', ''), ',', '.')::numeric
    end
{%- endmacro %}


{% macro parse_integer(expr) -%}
    {{ return(adapter.dispatch('parse_integer', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- Whole numbers only ("12", "+12", "12.0"); "12.5" is not an integer. -#}
{% macro default__parse_integer(expr) -%}
    {%- set raw = "(" ~ expr ~ ")::text" -%}
    {%- set v = "translate(" ~ raw ~ ", E' \\u00a0\\u202f', '')" -%}
    {#- the fast path: digits after an optional sign, what the pattern below accepts of such a
        value, tested without a regular expression (0.2 us instead of 1.4 per value at 100k
        customers' 1.5 M sms counts; tests/macros/test_parse_numbers_and_booleans.sql compares
        the two paths) #}
    case
        when translate({{ raw }}, '0123456789', '') = '' and length({{ raw }}) between 1 and 15
            or translate({{ raw }}, '0123456789', '') in ('+', '-') and left({{ raw }}, 1) in ('+', '-')
            and length({{ raw }}) between 2 and 16
            then ({{ raw }})::bigint
        when {{ v }} ~ '^[+-]?\d{1,15}([.,]0+)?$'
            then split_part(replace({{ v }}, ',', '.'), '.', 1)::bigint
    end
{%- endmacro %}


{% macro parse_boolean(expr) -%}
    {{ return(adapter.dispatch('parse_boolean', 'crm_segments')(expr)) }}
{%- endmacro %}

{% macro default__parse_boolean(expr) -%}
    case lower(btrim(({{ expr }})::text))
        when 'true' then true when 't' then true when '1' then true when 'yes' then true
        when 'y' then true when 'da' then true when 'да' then true when '是' then true
        when 'false' then false when 'f' then false when '0' then false when 'no' then false
        when 'n' then false when 'nu' then false when 'нет' then false when '否' then false
    end
{%- endmacro %}


{% macro datetime_parts(expr, month_only=false) -%}
    {{ return(adapter.dispatch('datetime_parts', 'crm_segments')(expr, month_only)) }}
{%- endmacro %}

{#- Step 1 of date/timestamp parsing: the text[] {year, month, day, hour, minute, second, zone}
    of a value in one of the accepted layouts, or NULL. Layouts: 1985-03-07, 1985/03/07,
    07.03.1985, 07/03/1985, 07-03-1985 (day first), 19850307, each optionally followed by
    " 10:22", "T10:22:33", fractions of a second and a zone (Z, +03, +03:00, +0300).
    With month_only: also 2026-09, 202609, 09.2026, 09/2026 (day 1).
    Use it in a CTE that is not flattened (offset 0), then date_from_parts / timestamp_from_parts. -#}
{% macro default__datetime_parts(expr, month_only=false) -%}
    {%- set raw -%}
        ({{ expr }})::text
    {%- endset -%}
    {%- set v -%}
        btrim({{ raw }})
    {%- endset -%}
    {%- set normalized -%}
        regexp_replace(regexp_replace(regexp_replace(
            {%- if month_only %}
            regexp_replace(regexp_replace({{ v }},
                '^(\d{4})-?(\d{2})$', '\1-\2-01'),
                '^(\d{1,2})[./-](\d{4})$', '\2-\1-01'),
            {%- else %}
            {{ v }},
            {%- endif %}
            '^(\d{1,2})[./-](\d{1,2})[./-](\d{4})', '\3-\2-\1'),
            '^(\d{4})(\d{2})(\d{2})(?=$|[ T])', '\1-\2-\3'),
            '^(\d{4})[./](\d{1,2})[./](\d{1,2})', '\1-\2-\3')
    {%- endset -%}
    {%- set ymd = "substr(" ~ raw ~ ", 1, 4), substr(" ~ raw ~ ", 6, 2), substr(" ~ raw ~ ", 9, 2)" -%}
    {%- set dmy = "substr(" ~ raw ~ ", 7, 4), substr(" ~ raw ~ ", 4, 2), substr(" ~ raw ~ ", 1, 2)" -%}
    {%- set hms = "substr(" ~ raw ~ ", 12, 2), substr(" ~ raw ~ ", 15, 2), substr(" ~ raw ~ ", 18, 2)" -%}
    {#- fast paths for the common layouts, chosen by the value's shape (its digits as 0, one
        translate): no regular expression for them (stg_crm__transactions: 26 s -> 16 s at 100k
        customers against two regular-expression tests per value; parsing is the bulk of staging
        time at tens of millions of rows). Each gives the parts the general path gives for the
        same text (tests/macros/test_parse_*.sql compare them); a value with surrounding blanks
        or any other shape takes the general path #}
    case translate({{ raw }}, '0123456789', '0000000000')
        when '0000-00-00' then array[{{ ymd }}, null, null, null, null]::text[]
        when '0000-00-00 00:00:00' then array[{{ ymd }}, {{ hms }}, null]::text[]
        when '0000-00-00T00:00:00' then array[{{ ymd }}, {{ hms }}, null]::text[]
        when '0000-00-00 00:00:00Z' then array[{{ ymd }}, {{ hms }}, 'Z']::text[]
        when '0000-00-00T00:00:00Z' then array[{{ ymd }}, {{ hms }}, 'Z']::text[]
        when '00.00.0000' then array[{{ dmy }}, null, null, null, null]::text[]
        when '00.00.0000 00:00' then
            array[{{ dmy }}, substr({{ raw }}, 12, 2), substr({{ raw }}, 15, 2), null, null]::text[]
        {%- if month_only %}
        when '0000-00' then array[substr({{ raw }}, 1, 4), substr({{ raw }}, 6, 2), '01', null, null, null, null]::text[]
        {%- endif %}
        else regexp_match(
            {{ normalized }},
            '^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d{1,6})?))?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$'
        )
    end
{%- endmacro %}


{% macro date_from_parts(parts) -%}
    {{ return(adapter.dispatch('date_from_parts', 'crm_segments')(parts)) }}
{%- endmacro %}

{#- Step 2: a real calendar date (no 31 February) with a year between the vars min_valid_year
    and max_valid_year, else NULL. The nested CASE guarantees make_date never sees bad input. -#}
{% macro default__date_from_parts(parts) -%}
    case
        when {{ parts }} is not null
            and ({{ parts }})[1]::int between {{ var('min_valid_year') }} and {{ var('max_valid_year') }}
            and ({{ parts }})[2]::int between 1 and 12
            then case
                when ({{ parts }})[3]::int between 1 and
                    case
                        when ({{ parts }})[2]::int in (4, 6, 9, 11) then 30
                        when ({{ parts }})[2]::int = 2 then
                            case
                                when ({{ parts }})[1]::int % 4 = 0
                                    and (({{ parts }})[1]::int % 100 != 0 or ({{ parts }})[1]::int % 400 = 0)
                                    then 29
                                else 28
                            end
                        else 31
                    end
                    then make_date(({{ parts }})[1]::int, ({{ parts }})[2]::int, ({{ parts }})[3]::int)
            end
    end
{%- endmacro %}


{% macro timestamp_from_parts(parts) -%}
    {{ return(adapter.dispatch('timestamp_from_parts', 'crm_segments')(parts)) }}
{%- endmacro %}

{#- Step 2 for timestamps: timestamptz (a date alone is midnight). A value without a zone is
    read in the var source_timezone. -#}
{% macro default__timestamp_from_parts(parts) -%}
    case
        when coalesce(({{ parts }})[4]::int, 0) between 0 and 23
            and coalesce(({{ parts }})[5]::int, 0) between 0 and 59
            and coalesce(({{ parts }})[6]::numeric, 0) < 60
            and case when ({{ parts }})[7] ~ '^[+-]' then substr(({{ parts }})[7], 2, 2)::int else 0 end <= 14
            then
                case
                    when ({{ parts }})[7] is null then
                        ({{ crm_segments.date_from_parts(parts) }}
                            + make_interval(
                                hours => coalesce(({{ parts }})[4]::int, 0),
                                mins => coalesce(({{ parts }})[5]::int, 0),
                                secs => coalesce(({{ parts }})[6]::numeric, 0)::double precision
                            )) at time zone '{{ var("source_timezone") }}'
                    else
                        (({{ crm_segments.date_from_parts(parts) }}
                            + make_interval(
                                hours => coalesce(({{ parts }})[4]::int, 0),
                                mins => coalesce(({{ parts }})[5]::int, 0),
                                secs => coalesce(({{ parts }})[6]::numeric, 0)::double precision
                            )) at time zone 'UTC')
                        - case
                            when ({{ parts }})[7] in ('Z', 'UTC') then interval '0'
                            else make_interval(
                                hours => substr(replace(({{ parts }})[7], ':', ''), 1, 3)::int,
                                mins => case
                                    when length(replace(({{ parts }})[7], ':', '')) = 5
                                        then (left(({{ parts }})[7], 1) || substr(replace(({{ parts }})[7], ':', ''), 4, 2))::int
                                    else 0
                                end
                            )
                        end
                end
    end
{%- endmacro %}


{% macro invalid_fields(checks) -%}
    {{ return(adapter.dispatch('invalid_fields', 'crm_segments')(checks)) }}
{%- endmacro %}

{#- text[] of the names of fields that arrived non-empty but could not be read, after the fields
    the base model nulled for being longer than max_value_length (_oversized_fields, in scope in
    every staging model). checks: list of [field name, raw expression, parsed column]. The
    parsed column is the one the model's column also reads, computed once in a fenced CTE
    (`parsed` in every staging model): PostgreSQL would evaluate a parsing expression passed
    here a second time. -#}
{% macro default__invalid_fields(checks) -%}
    _oversized_fields || array_remove(array[
        {%- for name, raw, parsed in checks %}
        case when {{ crm_segments.trimmed(raw) }} is not null and ({{ parsed }}) is null then '{{ name }}' end
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    ]::text[], null)
{%- endmacro %}


{% macro normalize_channel(expr) -%}
    {{ return(adapter.dispatch('normalize_channel', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- A channel code (see normalize_code) with the aliases of the var channel_aliases mapped to
    the SPEC's channel names (e.g. e_mail -> email, post -> direct_mail). -#}
{% macro default__normalize_channel(expr) -%}
    {%- set aliases = var('channel_aliases') -%}
    {%- set code = crm_segments.normalize_code(expr) -%}
    case {{ code }}
        {%- for alias, channel in aliases.items() %}
        when '{{ alias }}' then '{{ channel }}'
        {%- endfor %}
        else {{ code }}
    end
{%- endmacro %}
