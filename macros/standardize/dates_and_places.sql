{#- Birth dates, countries, postal codes and addresses. -#}

{% macro birth_date_invalid_reason(birth_date, invalid_fields) -%}
    {{ return(adapter.dispatch('birth_date_invalid_reason', 'crm_segments')(birth_date, invalid_fields)) }}
{%- endmacro %}

{#- Why a birth date is not kept: 'unreadable' (staging could not read it: not a calendar date,
    a layout it does not know, a year outside min_valid_year..max_valid_year), 'future' (after
    the as-of date), 'too_old' (more than the var max_age_years before it); NULL when fine or
    absent. birth_date is the staged date, invalid_fields the staged list of unreadable
    fields. -#}
{% macro default__birth_date_invalid_reason(birth_date, invalid_fields) -%}
    case
        when {{ birth_date }} is null then
            case when 'birth_date' = any({{ invalid_fields }}) then 'unreadable' end
        when {{ birth_date }} > {{ crm_segments.as_of_date() }} then 'future'
        when {{ birth_date }} < {{ crm_segments.as_of_date() }} - make_interval(years => {{ var('max_age_years') }})
            then 'too_old'
    end
{%- endmacro %}


{% macro standardize_postal_code(expr, length) -%}
    {{ return(adapter.dispatch('standardize_postal_code', 'crm_segments')(expr, length)) }}
{%- endmacro %}

{#- Upper case without blanks, dots and dashes, a country prefix (RO-, MD-, LV-) removed, and
    for a country with all-digit codes of a known length (seed column postal_code_length) the
    leading zeros that spreadsheets drop put back (10101 -> 010101 in Romania). NULL when
    empty or only zeros. -#}
{% macro default__standardize_postal_code(expr, length) -%}
    {%- set u = "upper(translate((" ~ expr ~ ")::text, E' .-\\t\\u00a0', ''))" -%}
    {%- set v -%}
        case
            when length({{ u }}) >= 6 and translate(left({{ u }}, 2), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '') = ''
                and {{ crm_segments.is_all_digits('substr(' ~ u ~ ', 3)') }}
                then substr({{ u }}, 3)
            else {{ u }}
        end
    {%- endset -%}
    case
        when translate({{ u }}, '0', '') = '' then null
        when {{ length }} is not null and {{ crm_segments.is_all_digits(v) }}
            and length({{ v }}) between {{ length }} - 2 and {{ length }} - 1
            then lpad({{ v }}, {{ length }}, '0')
        else {{ v }}
    end
{%- endmacro %}


{% macro standardize_city(expr) -%}
    {{ return(adapter.dispatch('standardize_city', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- City display form: clean_unicode, an administrative prefix removed (Mun., Municipiul, Oraș,
    Comuna, Sat, г., город, пос., с.), name_case when typed all in capitals or all in small
    letters. -#}
{% macro default__standardize_city(expr) -%}
    {%- set c = crm_segments.clean_unicode(expr) -%}
    {%- set v -%}
        case
            when lower({{ c }}) like any(array[
                'mun%', 'or%', 'com%', 'sat%', 'г.%', 'г %', 'гор%', 'пос%', 'пгт%', 'с.%', 'дер%'
            ]) then nullif(regexp_replace({{ c }},
                '^(?:mun\.?|municipiul|ora[sș]ul|ora[sș]|or\.|com\.?|comuna|sat(?:ul)?|г\.|гор\.|город|пос\.|пгт\.?|с\.|дер\.)\s*',
                '', 'i'), '')
            else {{ c }}
        end
    {%- endset -%}
    case
        when {{ v }} = upper({{ v }}) or {{ v }} = lower({{ v }}) then {{ crm_segments.name_case(v) }}
        else {{ v }}
    end
{%- endmacro %}


{% macro city_key(expr) -%}
    {{ return(adapter.dispatch('city_key', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- A matching key of a standardized city (standardize_city): a final 市 dropped (北京市 / 北京),
    then text_key (Ростов-на-Дону and Rostov na Donu, Iași and Iasi are one key). Exonyms,
    former names and Han names against pinyin are mapped by the seed city_aliases. -#}
{% macro default__city_key(expr) -%}
    {{ crm_segments.text_key("regexp_replace(" ~ expr ~ ", '市$', '')") }}
{%- endmacro %}


{% macro address_line_text(expr) -%}
    {{ return(adapter.dispatch('address_line_text', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- Step 1 of address_line_key: a leading Chinese city/province (北京市, 广东省) removed, then
    transliterated (no diacritics, Cyrillic in Latin, lower case). Compute it in a fenced CTE
    and pass it to address_line_key with prepared=true to keep the SQL shallow. -#}
{% macro default__address_line_text(expr) -%}
    {%- set han_prefix -%}
        case
            when ({{ expr }}) ~ '{{ crm_segments.han_class() }}'
                then regexp_replace(({{ expr }}), '^(?:[^\s\d]{1,6}?[省市])+', '')
            else ({{ expr }})
        end
    {%- endset -%}
    {{ crm_segments.transliterate(han_prefix) }}
{%- endmacro %}


{% macro address_line_key(expr, prepared=false) -%}
    {{ return(adapter.dispatch('address_line_key', 'crm_segments')(expr, prepared)) }}
{%- endmacro %}

{#- A matching key of a street address: transliterated (no diacritics, Cyrillic in Latin),
    street types dropped whatever their spelling (str./strada, bd./bulevardul, cal./calea,
    șos., al./aleea, ul./улица, пр-т/проспект, пер., ш., наб., street, st., road, ...),
    house/flat/staircase/floor markers dropped (nr., bl. kept as its value, sc. and et. with
    their value, ap., д., дом, кв., корп. stays as its value), a leading Chinese city/province
    (北京市, 广东省) removed, then everything but letters and digits removed. With prepared=true the input
    is already address_line_text. -#}
{% macro default__address_line_key(expr, prepared=false) -%}
    {%- set text = expr if prepared else crm_segments.address_line_text(expr) -%}
    nullif(regexp_replace(regexp_replace(
        ' ' || {{ text }} || ' ',
        '(?<=[\s.,;/-])(?:(?:sc|scara|et|etaj|etajul|sector|sect|sectorul)\.?\s*\d+[a-z]?(?=[\s.,;/-])|(?:str|strada|bd|b-dul|bdul|blvd|bulevardul|bulevard|cal|calea|sos|soseaua|al|aleea|piata|p-ta|pta|intr|intrarea|spl|splaiul|ul|ulitsa|pr-t|prt|prospekt|pr|per|pereulok|sh|shosse|nab|naberezhnaya|pl|ploshchad|bul|bulvar|proezd|pr-d|mkr|mikrorayon|street|st|road|rd|avenue|ave|nr|numarul|numar|no|bl|bloc|blocul|ap|apt|apartament|d|dom|kv|kvartira|korp|k|stroenie|g|gorod)(?:\.|(?=[\s,;/-])))', ' ', 'g'),
        '[^[:alnum:]]+', '', 'g'), '')
{%- endmacro %}
