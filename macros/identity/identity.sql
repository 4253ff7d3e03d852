{#-
  Entity-resolution helpers (issue 3). The similarity functions come from the PostgreSQL
  extensions pg_trgm (similarity) and fuzzystrmatch (levenshtein, dmetaphone), created in the
  schema of the var identity_extension_schema (default public) by ensure_extensions() and
  called schema-qualified, so they work whatever the search_path.
-#}

{#- Create the extensions the identity models need. Run once per database
    (`dbt run-operation ensure_extensions`, or from on-run-start). On a server where the build
    role may not create extensions (they need superuser or a trusted-extension setting before
    PostgreSQL 13), ask a DBA to run the two statements once. -#}
{% macro ensure_extensions() -%}
    {{ return(adapter.dispatch('ensure_extensions', 'crm_segments')()) }}
{%- endmacro %}

{% macro default__ensure_extensions() -%}
    {%- set schema = var('identity_extension_schema', 'public') -%}
    {%- set sql -%}
        create extension if not exists pg_trgm with schema {{ schema }};
        create extension if not exists fuzzystrmatch with schema {{ schema }};
    {%- endset -%}
    {%- if execute -%}
        {%- do run_query(sql) -%}
        {{ log('extensions pg_trgm and fuzzystrmatch ready in schema ' ~ schema) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}


{#- Trigram similarity in [0, 1] of two texts (pg_trgm). -#}
{% macro name_similarity(a, b) -%}
    {{ return(adapter.dispatch('name_similarity', 'crm_segments')(a, b)) }}
{%- endmacro %}

{% macro default__name_similarity(a, b) -%}
    {{ var('identity_extension_schema', 'public') }}.similarity({{ a }}, {{ b }})
{%- endmacro %}


{#- Levenshtein edit distance of two texts (fuzzystrmatch). -#}
{% macro edit_distance(a, b) -%}
    {{ return(adapter.dispatch('edit_distance', 'crm_segments')(a, b)) }}
{%- endmacro %}

{% macro default__edit_distance(a, b) -%}
    {{ var('identity_extension_schema', 'public') }}.levenshtein({{ a }}, {{ b }})
{%- endmacro %}


{#- A phonetic key for blocking: double metaphone of a Latin name key; a key in another
    script (Han) is its own phonetic key. NULL for NULL. -#}
{% macro phonetic_key(expr) -%}
    {{ return(adapter.dispatch('phonetic_key', 'crm_segments')(expr)) }}
{%- endmacro %}

{% macro default__phonetic_key(expr) -%}
    case
        when {{ expr }} ~ '^[a-z ''-]+$'
            then nullif({{ var('identity_extension_schema', 'public') }}.dmetaphone({{ expr }}), '')
        else nullif({{ expr }}, '')
    end
{%- endmacro %}


{#- How two name keys compare, as an integer level:
      3 equal, 2 similar (small edit distance, trigram similarity or same phonetic key with the
      same first letter), 1 initial (one is a single letter, the other starts with it),
      0 unknown (one is missing), -1 different.
    Keys outside the Latin alphabet (Han) are only equal or different. Two Latin keys of which
    exactly one ends in "a" are different: that is how Romanian and Russian names mark the
    feminine form, and spouses or siblings with such names must not merge. The one exception
    is a final "a" replaced by a consonant (Svetlana / Svetlanl), a typo no gendered pair
    makes. With gendered=false (family names of two records whose given names are compared
    separately) the ending is not a conflict: Irina Smirnov is Irina Smirnova mistyped. Two
    neighbouring letters exchanged count as one edit. -#}
{% macro compare_name_keys(a, b, gendered=true) -%}
    {{ return(adapter.dispatch('compare_name_keys', 'crm_segments')(a, b, gendered)) }}
{%- endmacro %}

{% macro default__compare_name_keys(a, b, gendered=true) -%}
    case
        when {{ a }} is null or {{ b }} is null then 0
        when {{ a }} = {{ b }} then 3
        when length({{ a }}) = 1 or length({{ b }}) = 1
            then case when left({{ a }}, 1) = left({{ b }}, 1) then 1 else -1 end
        when not ({{ a }} ~ '^[a-z ''-]+$' and {{ b }} ~ '^[a-z ''-]+$') then -1
        -- gendered forms are different people: Andrei / Andreea, Ion / Ioana, Ivanov / Ivanova,
        -- Cristian / Cristina; only a final "a" mistyped as a consonant (Svetlana / Svetlanl)
        -- is a typo
        {%- if gendered %}
        when ({{ a }} like '%a') != ({{ b }} like '%a')
            and not (
                left({{ a }}, -1) = left({{ b }}, -1)
                and right({{ a }}, 1) || right({{ b }}, 1) !~ '[eiouy]'
            )
            then -1
        {%- endif %}
        when {{ crm_segments.edit_distance(a, b) }}
            <= case
                when least(length({{ a }}), length({{ b }})) >= {{ var('name_long_min_length', 8) }}
                    then {{ var('name_max_edit_distance_long', 2) }}
                when least(length({{ a }}), length({{ b }})) >= {{ var('name_short_min_length', 4) }}
                    then {{ var('name_max_edit_distance', 1) }}
                else 0
            end
            then 2
        -- two neighbouring letters exchanged (Petrova / Pertova) is one typing error
        when least(length({{ a }}), length({{ b }})) >= {{ var('name_short_min_length', 4) }}
            and {{ crm_segments.is_transposition(a, b) }}
            then 2
        when {{ crm_segments.name_similarity(a, b) }} >= {{ var('name_similarity_threshold', 0.6) }} then 2
        when left({{ a }}, 1) = left({{ b }}, 1)
            and {{ crm_segments.phonetic_key(a) }} = {{ crm_segments.phonetic_key(b) }} then 2
        else -1
    end
{%- endmacro %}


{#- True when two different texts are one typing error apart: one character inserted,
    deleted or replaced (edit distance 1), or two neighbouring characters exchanged (Petrova /
    Pertova, 4184 / 4814). False for equal texts; NULL when either is NULL. -#}
{% macro is_one_typo_apart(a, b) -%}
    {{ return(adapter.dispatch('is_one_typo_apart', 'crm_segments')(a, b)) }}
{%- endmacro %}

{% macro default__is_one_typo_apart(a, b) -%}
    ({{ crm_segments.edit_distance(a, b) }} = 1 or {{ crm_segments.is_transposition(a, b) }})
{%- endmacro %}


{#- True when b is a with two neighbouring characters exchanged (Petrova / Pertova,
    4184 / 4814). -#}
{% macro is_transposition(a, b) -%}
    {{ return(adapter.dispatch('is_transposition', 'crm_segments')(a, b)) }}
{%- endmacro %}

{% macro default__is_transposition(a, b) -%}
    (
        length({{ a }}) = length({{ b }})
        and {{ a }} != {{ b }}
        and {{ crm_segments.edit_distance(a, b) }} = 2
        and exists (
            select 1
            from generate_series(1, length({{ a }}) - 1) as positions (i)
            where
                substr({{ a }}, 1, i - 1) || substr({{ a }}, i + 1, 1) || substr({{ a }}, i, 1)
                || substr({{ a }}, i + 2) = {{ b }}
        )
    )
{%- endmacro %}


{#- How a Latin name key compares with a Han name given as the regular expression of its
    pinyin spellings (int_contacts_match_fields): 3 when the key is one of the spellings
    (张敏 / zhang min), -1 when it is not, 0 when either is missing. -#}
{% macro compare_name_to_pinyin(latin_key, pinyin_pattern) -%}
    {{ return(adapter.dispatch('compare_name_to_pinyin', 'crm_segments')(latin_key, pinyin_pattern)) }}
{%- endmacro %}

{% macro default__compare_name_to_pinyin(latin_key, pinyin_pattern) -%}
    case
        when {{ latin_key }} is null or {{ pinyin_pattern }} is null then 0
        when replace({{ latin_key }}, ' ', '') ~ {{ pinyin_pattern }} then 3
        else -1
    end
{%- endmacro %}


{#- The comparison level of one name part of two records in any script: two Han names of
    the same sound are similar (2, a character typed wrongly); names in one script go through
    compare_name_keys; a Han name and a Latin one through compare_name_to_pinyin; 0 when they
    cannot be compared. Arguments are column names: the two keys, their pinyin patterns and
    spellings (NULL unless Han), and whether the records' names are in one script. -#}
{% macro compare_name_parts(a, b, a_pattern, b_pattern, a_spelling, b_spelling, same_script, gendered=true, is_family_name=false) -%}
    {{ return(adapter.dispatch('compare_name_parts', 'crm_segments')(
        a, b, a_pattern, b_pattern, a_spelling, b_spelling, same_script, gendered, is_family_name
    )) }}
{%- endmacro %}

{% macro default__compare_name_parts(a, b, a_pattern, b_pattern, a_spelling, b_spelling, same_script, gendered=true, is_family_name=false) -%}
    {#- a pinyin spelling fits many characters (xin: 欣, 鑫, 新): as a given name it is only
        similar (two members of a household may share the sound), as a family name equal -#}
    {%- set pinyin_equal = 3 if is_family_name else 2 -%}
    case
        when {{ a }} != {{ b }} and {{ crm_segments.compare_name_to_pinyin(a_spelling, b_pattern) }} = 3 then 2
        when {{ same_script }} then {{ crm_segments.compare_name_keys(a, b, gendered) }}
        when {{ a_pattern }} is not null
            then least({{ crm_segments.compare_name_to_pinyin(b, a_pattern) }}, {{ pinyin_equal }})
        when {{ b_pattern }} is not null
            then least({{ crm_segments.compare_name_to_pinyin(a, b_pattern) }}, {{ pinyin_equal }})
        else 0
    end
{%- endmacro %}


{#- How two birth dates compare: 'equal', 'missing' (one or both NULL), 'swapped' (day and
    month exchanged, a common typing error), 'typo' (one digit of YYYYMMDD differs) or
    'different'. -#}
{% macro compare_birth_dates(a, b) -%}
    {{ return(adapter.dispatch('compare_birth_dates', 'crm_segments')(a, b)) }}
{%- endmacro %}

{% macro default__compare_birth_dates(a, b) -%}
    case
        when {{ a }} is null or {{ b }} is null then 'missing'
        when {{ a }} = {{ b }} then 'equal'
        when extract(year from {{ a }}) = extract(year from {{ b }})
            and extract(month from {{ a }}) = extract(day from {{ b }})
            and extract(day from {{ a }}) = extract(month from {{ b }})
            then 'swapped'
        -- one digit mistyped (1965-07-14 / 1965-07-17): compatible, but confirms nothing
        when {{ crm_segments.edit_distance("to_char(" ~ a ~ ", 'YYYYMMDD')", "to_char(" ~ b ~ ", 'YYYYMMDD')") }} = 1
            then 'typo'
        else 'different'
    end
{%- endmacro %}


{#- The stable person id of a connected component: 'C' and 16 hex digits of the md5 of the
    smallest contact_key of the component. -#}
{% macro customer_id_from_key(expr) -%}
    {{ return(adapter.dispatch('customer_id_from_key', 'crm_segments')(expr)) }}
{%- endmacro %}

{% macro default__customer_id_from_key(expr) -%}
    'C' || left(md5({{ expr }}), 16)
{%- endmacro %}


{#- Rank of a source system in the var source_priority (1 = best; unknown systems last). -#}
{% macro source_priority_rank(expr) -%}
    {{ return(adapter.dispatch('source_priority_rank', 'crm_segments')(expr)) }}
{%- endmacro %}

{% macro default__source_priority_rank(expr) -%}
    coalesce(array_position(array[
        {%- for system in var('source_priority') %}'{{ system }}'{% if not loop.last %}, {% endif %}{% endfor -%}
    ]::text[], {{ expr }}), {{ var('source_priority') | length + 1 }})
{%- endmacro %}



{% macro is_one_repeated_character(expr) -%}
    {{ return(adapter.dispatch('is_one_repeated_character', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- True when a text of at least one character is one character repeated (0000000000, xxxxxx, a):
    the character removed, nothing is left. Linear in the length, unlike the regular expression
    ^(.)\1+$, whose backtracking took seconds on a 16 kB value (issue 11). -#}
{% macro default__is_one_repeated_character(expr) -%}
    coalesce(length({{ expr }}) > 0 and translate({{ expr }}, left({{ expr }}, 1), '') = '', false)
{%- endmacro %}


{#- The comparison levels of the match-weight model, per field, strongest evidence first: one
    definition for int_contact_pairs_compared (its accepted_values), the weights
    (int_identity_match_weights, the seed identity_match_weights_default) and
    crm-segments identity train. 'missing' is no level: a field missing on either side is no
    evidence either way (Bayes factor 1). -#}
{% macro match_levels() -%}
    {{ return({
        'first_name': ['equal', 'similar', 'initial', 'different'],
        'last_name': ['equal', 'similar', 'initial', 'different'],
        'birth_date': ['equal', 'swapped', 'typo', 'different'],
        'national_id': ['equal', 'typo', 'different'],
        'email': ['equal', 'different'],
        'mobile': ['equal', 'different'],
        'landline': ['equal', 'different'],
        'account': ['equal', 'different'],
        'address': ['equal', 'same_street', 'similar', 'different'],
        'postal_code': ['equal', 'typo', 'different'],
        'city': ['equal', 'different'],
    }) }}
{%- endmacro %}


{#- The match-weight level of a name comparison level of compare_name_keys / compare_name_parts
    (3 equal, 2 similar, 1 initial, -1 different, 0 missing). -#}
{% macro name_comparison(level) -%}
    {{ return(adapter.dispatch('name_comparison', 'crm_segments')(level)) }}
{%- endmacro %}

{% macro default__name_comparison(level) -%}
    case {{ level }}
        when 3 then 'equal'
        when 2 then 'similar'
        when 1 then 'initial'
        when -1 then 'different'
        else 'missing'
    end
{%- endmacro %}


{#- equal, different, or missing (NULL on either side) for two standardized identifiers. -#}
{% macro identifier_comparison(a, b) -%}
    {{ return(adapter.dispatch('identifier_comparison', 'crm_segments')(a, b)) }}
{%- endmacro %}

{% macro default__identifier_comparison(a, b) -%}
    case
        when {{ a }} is null or {{ b }} is null then 'missing'
        when {{ a }} = {{ b }} then 'equal'
        else 'different'
    end
{%- endmacro %}
