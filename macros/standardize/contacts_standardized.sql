{#- The body of int_contacts_standardized_part_a and _part_b, whose union is the view
    int_contacts_standardized: one row per staged contact record with standardized names,
    e-mail, phone, national id, birth date and address, and the keys entity resolution matches
    on. Every rule is a macro in macros/standardize/. The CTEs are fenced (offset 0) so that
    each step is computed once per row and the next step reads its result instead of repeating
    the expression; what is typed in few ways on many records (countries, cities, name parts)
    is standardized once per value.

    Part `part` (1 or 2) of `parts` (the var identity_parts, 1 or 2) holds the records whose
    record id's hash falls in it: with 2 parts dbt writes the two halves at once on its two
    threads. The fences keep the record-by-record cleaning in one PostgreSQL process (a fenced
    step runs above the parallel scan), and nothing else of the build is ready while it runs
    (every later model waits for entity resolution). With 1 part, part 1 holds every record
    and part 2 none. A record's row depends only on the record and on lookups of values
    (countries, cities, name parts), so the rows do not depend on the parts. -#}
{#- Incremental: a contact record's row depends only on its staged row, the as-of date (future
    and too-old birth dates) and the project's code, seeds and vars. So each row keeps the
    digest of its staged row and the as-of date (_input_digest), and an incremental run
    standardizes only the records whose digest is not in the table (new records, changed ones,
    all of them when the as-of date moved); dbt's delete+insert on contact_key replaces their
    rows, and a pre-hook deletes the rows of records no longer staged. Changed code, seeds or
    vars are not seen by dbt: `crm-segments build` then runs with --full-refresh
    (python/crm_segments/incremental.py), as for incremental staging. The erasure scrub nulls
    an erased person's _input_digest with their values (meta input_digest_column;
    macros/erasure.sql): the next build standardizes them again from staging, as a full build
    does. -#}
{% macro contacts_standardized(part, parts, incremental=false) -%}
    {{ return(adapter.dispatch('contacts_standardized', 'crm_segments')(part, parts, incremental)) }}
{%- endmacro %}

{% macro default__contacts_standardized(part, parts, incremental=false) -%}
{#- the spellings of a full build are those of every staged record; an incremental run looks up
    those of its few records only -#}
{%- set spelled_from = 'source' if incremental else ref('stg_crm__contacts') -%}
with

-- this part's records (by the hash of the record id; the parts are disjoint and together every
-- record)
source as (

    select hashed.*
    from (
        select
            staged_records.*,
            {{ crm_segments.contact_input_digest('staged_records') }} as _input_digest
        from {{ ref('stg_crm__contacts') }} as staged_records
        where {{ crm_segments.in_part('staged_records.source_record_id', part, parts) }}
    ) as hashed
    {%- if incremental %}
    -- an incremental run: the records that are new, or whose staged row or as-of date changed
    -- since this table standardized them (macro contacts_standardized_config)
    where not exists (
        select from {{ this }} as standardized
        where standardized.contact_key = hashed.source_system || ':' || hashed.source_record_id
            and standardized._input_digest = hashed._input_digest
    )
    {%- endif %}

),

countries as (

    select * from {{ ref('country_codes') }}

),

-- a country or a city is typed in few ways (tens, hundreds) on many records: each spelling is
-- looked up or standardized once, and every record takes its spelling's result. They read the
-- staged model, not the CTE source: a CTE read three times is materialized, and the record-by-
-- record cleaning below would lose its parallel scan (measured: no gain in wall time then)
country_spellings as (

    select
        spellings.country,
        countries.country_code,
        countries.postal_code_length
    from (select distinct staged.country from {{ spelled_from }} as staged) as spellings
    inner join countries
        on {{ crm_segments.alias_key('spellings.country') }} = countries.alias

),

city_spellings as (

    select
        spellings.city,
        {{ crm_segments.standardize_city('spellings._city') }} as city_standardized
    from (
        select
            typed.city,
            {{ crm_segments.clean_unicode('typed.city') }} as _city
        from (select distinct staged.city from {{ spelled_from }} as staged) as typed
        -- in two steps, fenced: the casing rules nest deeply around the cleaned value
        /* noqa: AM09 */ offset 0
    ) as spellings

),

cleaned as (

    select
        source.source_system,
        source.source_record_id,
        source.account_id,
        source.updated_at,
        source.birth_date as _birth_date,
        source.invalid_fields as _invalid_fields,
        source.phone as _phone_raw,
        source.postal_code as _postal_code_raw,
        source.country as _country_raw,
        source.city as _city_raw,
        source._input_digest,
        {{ crm_segments.name_clean('source.first_name') }} as _first,
        {{ crm_segments.name_clean('source.last_name') }} as _last,
        {{ crm_segments.name_clean('source.full_name') }} as _full,
        {{ crm_segments.standardize_email('source.email') }} as email,
        {{ crm_segments.standardize_national_id('source.national_id') }} as national_id,
        {{ crm_segments.phone_text('source.phone') }} as _phone_text,
        {{ crm_segments.clean_unicode('source.address_line') }} as address_line
    from source
    -- offset 0 is a fence: each value is cleaned once, not once per reference
    /* noqa: AM09 */ offset 0

),

classified as (

    select
        cleaned.*,
        country_spellings.country_code,
        city_spellings.city_standardized as city,
        {{ crm_segments.name_script("concat_ws(' ', cleaned._full, cleaned._first, cleaned._last)") }} as name_script,
        -- the text the first/last split reads: a full name, or the only name part typed when
        -- it has several words; NULL when first and last name arrived separately
        case
            when cleaned._first is not null and cleaned._last is not null then null
            when cleaned._full is not null then cleaned._full
            when coalesce(cleaned._first, cleaned._last) ~ ' ' then coalesce(cleaned._first, cleaned._last)
        end as _name_text,
        {{ crm_segments.national_id_type('cleaned.national_id') }} as national_id_type,
        {{ crm_segments.email_invalid_reason('cleaned.email') }} as email_invalid_reason,
        {{ crm_segments.standardize_postal_code(
            'cleaned._postal_code_raw', 'country_spellings.postal_code_length'
        ) }} as postal_code,
        {{ crm_segments.address_line_text('cleaned.address_line') }} as _address_line_text
    from cleaned
    left join country_spellings
        on cleaned._country_raw = country_spellings.country
    left join city_spellings
        on cleaned._city_raw = city_spellings.city
    /* noqa: AM09 */ offset 0

),

tokenized as (

    select
        *,
        {{ crm_segments.name_tokens('_name_text') }} as _tokens,
        _name_text ~ '^[^,\s]+\s*,' as _has_comma,
        case
            when _name_text is null and strpos(_first, ' ') > 0
                and {{ crm_segments.name_is_patronymic("substring(_first from '\\S+$')") }}
                then substring(_first from '\S+$')
        end as _typed_patronymic,
        {{ crm_segments.phone_region_hint('country_code', 'national_id_type', 'name_script') }} as _phone_hint,
        {{ crm_segments.address_line_key('_address_line_text', prepared=true) }} as _address_line_key,
        case national_id_type
            when 'ro_cnp' then {{ crm_segments.cnp_is_valid('national_id') }}
            when 'cn_resident_id' then {{ crm_segments.cn_id_is_valid('national_id') }}
        end as is_national_id_valid
    from classified
    /* noqa: AM09 */ offset 0

),

flagged as (

    select
        *,
        cardinality(_tokens) as _n,
        coalesce(cardinality(_tokens) = 3 and {{ crm_segments.name_is_patronymic('_tokens[3]') }}, false)
            as _patronymic_last,
        coalesce(cardinality(_tokens) = 3 and {{ crm_segments.name_is_patronymic('_tokens[2]') }}, false)
            as _patronymic_middle,
        coalesce(
            cardinality(_tokens) = 4 and lower(_tokens[4]) in ('оглы', 'кызы', 'ogly', 'oglu', 'kyzy', 'qizi'), false
        ) as _patronymic_turkic,
        coalesce({{ crm_segments.name_is_family_first('_tokens', '_has_comma') }}, false) as _family_first,
        case
            when cardinality(_tokens) >= 4
                and {{ crm_segments.name_is_particle('_tokens[cardinality(_tokens) - 2]') }}
                and {{ crm_segments.name_is_particle('_tokens[cardinality(_tokens) - 1]') }}
                then 2
            when cardinality(_tokens) >= 3
                and {{ crm_segments.name_is_particle('_tokens[cardinality(_tokens) - 1]') }}
                then 1
            else 0
        end as _particles
    from tokenized
    /* noqa: AM09 */ offset 0

),

coded as (

    select
        *,
        case
            when _name_text is null and _typed_patronymic is not null then regexp_replace(_first, '\s+\S+$', '')
            when _name_text is null then _first
            when name_script = 'han'
                then
                    case
                        when _n >= 2 then array_to_string(_tokens[2:_n], '')
                        when _name_text ~ '[·・•]' then split_part(translate(_name_text, '・•', '··'), '·', 1)
                        else nullif(substr(_name_text, {{ crm_segments.han_family_name_length('_name_text') }} + 1), '')
                    end
            when _n = 1 then _tokens[1]
            when _patronymic_last or _patronymic_turkic then _tokens[2]
            when _patronymic_middle then _tokens[1]
            when _family_first then array_to_string(_tokens[2:_n], ' ')
            else array_to_string(_tokens[1:_n - 1 - _particles], ' ')
        end as _first_part,
        case
            when _name_text is null then _last
            when name_script = 'han'
                then
                    case
                        when _n >= 2 then _tokens[1]
                        when _name_text ~ '[·・•]' then nullif(split_part(translate(_name_text, '・•', '··'), '·', 2), '')
                        else left(_name_text, {{ crm_segments.han_family_name_length('_name_text') }})
                    end
            when _n = 1 then null
            when _patronymic_last or _patronymic_turkic then _tokens[1]
            when _patronymic_middle then _tokens[3]
            when _family_first then _tokens[1]
            else array_to_string(_tokens[_n - _particles:_n], ' ')
        end as _last_part,
        case
            when _name_text is null then _typed_patronymic
            when name_script = 'han' then null
            when _patronymic_last then _tokens[3]
            when _patronymic_turkic then _tokens[3] || ' ' || _tokens[4]
            when _patronymic_middle then _tokens[2]
        end as _middle_part
    from flagged
    /* noqa: AM09 */ offset 0

),

-- the name parts repeat across records (a few thousand given and family names): each is cased
-- once, and every record takes its parts' casing
name_parts as (

    select
        parts.part,
        {{ crm_segments.name_case('parts.part') }} as part_cased
    from (
        select coded._first_part as part from coded
        union
        select coded._last_part from coded
        union
        select coded._middle_part from coded
    ) as parts

),

numbered as (

    select
        coded.*,
        middle_parts.part_cased as middle_name,
        case
            when coded.name_script = 'han' then replace(coded._first_part, ' ', '')
            else first_parts.part_cased
        end as first_name,
        case
            when coded.name_script = 'han' then replace(coded._last_part, ' ', '')
            else last_parts.part_cased
        end as last_name
    from coded
    left join name_parts as first_parts
        on coded._first_part = first_parts.part
    left join name_parts as last_parts
        on coded._last_part = last_parts.part
    left join name_parts as middle_parts
        on coded._middle_part = middle_parts.part
    /* noqa: AM09 */ offset 0

),

keyed as (

    select
        *,
        {{ crm_segments.text_key('first_name') }} as first_name_key,
        {{ crm_segments.text_key('last_name') }} as last_name_key
    from numbered
    /* noqa: AM09 */ offset 0

),

-- the phone chain (macros/standardize/phone.sql; int_suppressions_resolved runs the same one)
{{ crm_segments.phone_standardization_ctes(
    'phoned', 'keyed', raw='_phone_raw', text='_phone_text', hint='_phone_hint',
    record_country='country_code'
) }},

final as (

    select
        -- ids
        source_system || ':' || source_record_id as contact_key,
        source_system,
        source_record_id,
        account_id,

        -- names
        first_name,
        middle_name,
        last_name,
        nullif(case
            when name_script = 'han' then concat(last_name, first_name)
            else concat_ws(' ', first_name, middle_name, last_name)
        end, '') as full_name,
        name_script,
        first_name_key,
        last_name_key,
        case
            when first_name_key is null or last_name_key is null then coalesce(first_name_key, last_name_key)
            else least(first_name_key, last_name_key) || greatest(first_name_key, last_name_key)
        end as full_name_key,
        {{ crm_segments.name_is_placeholder("concat(first_name_key, last_name_key)") }}
        or {{ crm_segments.name_is_placeholder("concat(last_name_key, first_name_key)") }} as is_name_placeholder,

        -- birth date
        case
            when {{ crm_segments.birth_date_invalid_reason('_birth_date', '_invalid_fields') }} is null
                then _birth_date
        end as birth_date,
        {{ crm_segments.birth_date_invalid_reason('_birth_date', '_invalid_fields') }} as birth_date_invalid_reason,
        _birth_date as birth_date_as_read,

        -- national id
        national_id,
        national_id_type,
        is_national_id_valid,
        case
            when is_national_id_valid and national_id_type = 'ro_cnp'
                then {{ crm_segments.cnp_birth_date('national_id') }}
            when is_national_id_valid and national_id_type = 'cn_resident_id'
                then {{ crm_segments.cn_id_birth_date('national_id') }}
        end as national_id_birth_date,

        -- e-mail
        email,
        case when email is not null then email_invalid_reason is null end as is_email_valid,
        email_invalid_reason,

        -- phone
        _phone_e164 as phone_e164,
        case when _phone_e164 is not null then _phone_national_number end as phone_national_number,
        case
            when _phone_digits is not null
                and coalesce(_phone_invalid_reason not in ('placeholder', 'not_a_number'), true)
                then _phone_country
        end as phone_country,
        case when _phone_invalid_reason is null then _phone_type end as phone_type,
        _phone_invalid_reason as phone_invalid_reason,
        _phone_digits as phone_raw_digits,

        -- address
        address_line,
        city,
        postal_code,
        country_code,
        case
            when _address_line_key is not null then _address_line_key || '|' || coalesce(postal_code, '')
        end as address_key,

        -- timestamps
        updated_at,

        -- what the row was standardized from (contacts_standardized_config)
        _input_digest

    from phoned

)

select * from final
{%- endmacro %}


{% macro contacts_standardized_config() -%}
    {{ return(adapter.dispatch('contacts_standardized_config', 'crm_segments')()) }}
{%- endmacro %}

{#- The config of int_contacts_standardized_part_a and _part_b:
    `{{ config(**crm_segments.contacts_standardized_config()) }}` (incremental, see above). -#}
{% macro default__contacts_standardized_config() -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': 'contact_key',
        'on_schema_change': 'fail',
        'pre_hook': "{{ crm_segments.delete_unstaged_contacts() }}",
        'meta': {'input_digest_column': '_input_digest'},
    }) }}
{%- endmacro %}


{% macro contact_input_digest(staged_row) -%}
    {{ return(adapter.dispatch('contact_input_digest', 'crm_segments')(staged_row)) }}
{%- endmacro %}

{#- What a standardized contact row is computed from, as one uuid: the md5 of the staged row
    (stg_crm__contacts, every column, as text) and the as-of date. -#}
{% macro default__contact_input_digest(staged_row) -%}
    md5(concat({{ staged_row }}::text, '|', {{ crm_segments.as_of_date() }}))::uuid
{%- endmacro %}


{% macro delete_unstaged_contacts() -%}
    {{ return(adapter.dispatch('delete_unstaged_contacts', 'crm_segments')()) }}
{%- endmacro %}

{#- Pre-hook of an incremental run of int_contacts_standardized_part_a / _part_b: delete the
    rows of records that are no longer staged (a replaced contacts extract without them).
    Nothing in a full build. -#}
{% macro default__delete_unstaged_contacts() -%}
    {%- if execute and is_incremental() -%}
delete from {{ this }} as standardized
where not exists (
    select from {{ ref('stg_crm__contacts') }} as staged
    where staged.source_system = standardized.source_system
        and staged.source_record_id = standardized.source_record_id
)
    {%- endif -%}
{%- endmacro %}
