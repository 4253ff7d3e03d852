{#- National identity numbers: normalized form, type, checksum validity, embedded birth date. -#}

{% macro standardize_national_id(expr) -%}
    {{ return(adapter.dispatch('standardize_national_id', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- Upper case with blanks and the usual separators (- . / _ No. №) removed
    ("88 04 307894" -> 8804307894, "31010119700405269x" -> ...269X). For the Romanian and
    Chinese ids that leaves digits and X only; letters of other documents (passports) are kept.
    Empty -> NULL. -#}
{% macro default__standardize_national_id(expr) -%}
    nullif(upper(translate(({{ expr }})::text, E' -./_№#:\t\u00a0\u202f', '')), '')
{%- endmacro %}


{% macro is_all_digits(expr) -%}
    {{ return(adapter.dispatch('is_all_digits', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- True when the text is not empty and has only the digits 0-9 (no regular expression). -#}
{% macro default__is_all_digits(expr) -%}
    (({{ expr }}) <> '' and translate({{ expr }}, '0123456789', '') = '')
{%- endmacro %}


{% macro national_id_type(expr) -%}
    {{ return(adapter.dispatch('national_id_type', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- 'ro_cnp' (13 digits), 'cn_resident_id' (17 digits and a digit or X), 'other' (anything
    else), NULL. Input: standardize_national_id. -#}
{% macro default__national_id_type(expr) -%}
    case
        when {{ expr }} is null then null
        when length({{ expr }}) = 13 and {{ crm_segments.is_all_digits(expr) }} then 'ro_cnp'
        when length({{ expr }}) = 18 and {{ crm_segments.is_all_digits("left(" ~ expr ~ ", 17)") }}
            and strpos('0123456789X', right({{ expr }}, 1)) > 0 then 'cn_resident_id'
        else 'other'
    end
{%- endmacro %}


{% macro cnp_birth_date(expr) -%}
    {{ return(adapter.dispatch('cnp_birth_date', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- The birth date in a Romanian CNP "S YY MM DD JJ NNN C": century from S (1/2 1900s, 3/4
    1800s, 5/6 2000s; 7/8/9, residents and foreigners, the latest century that is not in the
    future), NULL when it is not a real date. Input: 13 digits. -#}
{% macro default__cnp_birth_date(expr) -%}
    {%- set yy = 'substr(' ~ expr ~ ', 2, 2)::int' -%}
    case when length({{ expr }}) = 13 and left({{ expr }}, 1) <> '0' and {{ crm_segments.is_all_digits(expr) }} then
        {{ crm_segments.date_from_parts(
            "array[(case substr(" ~ expr ~ ", 1, 1)
                when '1' then 1900 when '2' then 1900 when '3' then 1800 when '4' then 1800
                when '5' then 2000 when '6' then 2000
                else case when 2000 + " ~ yy ~ " <= extract(year from " ~ crm_segments.as_of_date() ~ ") then 2000 else 1900 end
            end + " ~ yy ~ ")::text, substr(" ~ expr ~ ", 4, 2), substr(" ~ expr ~ ", 6, 2)]"
        ) }}
    end
{%- endmacro %}


{% macro cnp_is_valid(expr) -%}
    {{ return(adapter.dispatch('cnp_is_valid', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- True for a Romanian CNP with a real birth date not after the as-of date (cnp_birth_date),
    a county code 01-52, a serial other than 000 and the right check digit: the sum of the
    first 12 digits weighted by 279146358279, modulo 11 (10 counts as 1). False otherwise;
    NULL for NULL. Input: 13 digits (standardize_national_id). -#}
{% macro default__cnp_is_valid(expr) -%}
    {%- set key = '279146358279' -%}
    case
        when {{ expr }} is null then null
        when not (length({{ expr }}) = 13 and left({{ expr }}, 1) <> '0' and {{ crm_segments.is_all_digits(expr) }}) then false
        else coalesce(
            {{ crm_segments.cnp_birth_date(expr) }} <= {{ crm_segments.as_of_date() }}
            and substr({{ expr }}, 8, 2)::int between 1 and 52
            and substr({{ expr }}, 10, 3) <> '000'
            and substr({{ expr }}, 13, 1)::int = case (
                {%- for w in key %}
                {{ w }} * substr({{ expr }}, {{ loop.index }}, 1)::int{% if not loop.last %} +{% endif %}
                {%- endfor %}
            ) % 11 when 10 then 1 else (
                {%- for w in key %}
                {{ w }} * substr({{ expr }}, {{ loop.index }}, 1)::int{% if not loop.last %} +{% endif %}
                {%- endfor %}
            ) % 11 end,
            false
        )
    end
{%- endmacro %}


{% macro cn_id_birth_date(expr) -%}
    {{ return(adapter.dispatch('cn_id_birth_date', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- The birth date in a Chinese 18-character resident id (characters 7-14, YYYYMMDD), NULL
    when it is not a real date. -#}
{% macro default__cn_id_birth_date(expr) -%}
    case when length({{ expr }}) = 18 and {{ crm_segments.is_all_digits("left(" ~ expr ~ ", 17)") }} then
        {{ crm_segments.date_from_parts(
            "array[substr(" ~ expr ~ ", 7, 4), substr(" ~ expr ~ ", 11, 2), substr(" ~ expr ~ ", 13, 2)]"
        ) }}
    end
{%- endmacro %}


{% macro cn_id_is_valid(expr) -%}
    {{ return(adapter.dispatch('cn_id_is_valid', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- True for a Chinese resident id with a region code starting 1-8, a real birth date not after
    the as-of date and the ISO 7064 MOD 11-2 check character: weights 7 9 10 5 8 4 2 1 6 3 7 9
    10 5 8 4 2 on the first 17 digits, sum modulo 11 indexes "10X98765432". False otherwise;
    NULL for NULL. -#}
{% macro default__cn_id_is_valid(expr) -%}
    {%- set weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] -%}
    case
        when {{ expr }} is null then null
        when not (
            length({{ expr }}) = 18 and left({{ expr }}, 1) between '1' and '8'
            and {{ crm_segments.is_all_digits("left(" ~ expr ~ ", 17)") }}
            and strpos('0123456789X', right({{ expr }}, 1)) > 0
        ) then false
        else coalesce(
            {{ crm_segments.cn_id_birth_date(expr) }} <= {{ crm_segments.as_of_date() }}
            and substr({{ expr }}, 18, 1) = substr('10X98765432', (
                {%- for w in weights %}
                {{ w }} * substr({{ expr }}, {{ loop.index }}, 1)::int{% if not loop.last %} +{% endif %}
                {%- endfor %}
            ) % 11 + 1, 1),
            false
        )
    end
{%- endmacro %}
