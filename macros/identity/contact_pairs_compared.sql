{#- The body of int_contact_pairs_compared_part_a and _part_b, whose union is the view
    int_contact_pairs_compared: every pair of contact records that is compared, and how each
    field compares: the candidate pairs (records that share a blocking key), and a deterministic
    random sample of pairs (is_random_sample) from which the trained match weights learn how
    often two different people agree by chance (u probabilities; crm-segments identity train).
    Names are compared in both orders (the orientation that agrees better wins,
    are_names_swapped); each field gets a comparison level (the *_comparison columns, levels
    listed by the macro match_levels), and the flags the matching rules of
    int_contact_pair_matches read.

    Part `part` (1 or 2) of `parts` (the var identity_parts, 1 or 2) holds the pairs
    whose left record's hash falls in it: with 2 parts dbt writes the two halves at once on its
    two threads. The comparison is one PostgreSQL process per statement (its fenced steps and
    correlated subqueries keep it out of parallel workers), and nothing else of the build is
    ready while it runs: one core idled through it. With 1 part, part 1 holds every pair and
    part 2 none. Each part computes the whole-data lookups (identifiers per record, value
    counts, the sampled records' order) for itself; a pair's comparison reads only its two
    records and those lookups, so the rows do not depend on the parts. -#}
{% macro contact_pairs_compared(part, parts) -%}
    {{ return(adapter.dispatch('contact_pairs_compared', 'crm_segments')(part, parts)) }}
{%- endmacro %}

{% macro default__contact_pairs_compared(part, parts) -%}
with

candidate_pairs as (

    select
        left_contact_key,
        right_contact_key,
        block_types,
        false as is_random_sample
    from {{ ref('int_contact_candidate_pairs') }}

),

-- records in a pseudo-random order that does not change between builds (md5 of the key): the
-- record at place n is paired with the ones a half, a third, a quarter and a fifth of the list
-- further on (four disjoint sets of pairs, up to match_u_sample_pairs in all)
shuffled as (

    select
        contact_key,
        row_number() over (order by md5(contact_key), contact_key) as place,
        count(*) over () as records
    from {{ ref('int_contacts_match_fields') }}

),

sampled_pairs as (

    select
        least(earlier.contact_key, later.contact_key) as left_contact_key,
        greatest(earlier.contact_key, later.contact_key) as right_contact_key,
        null::text as block_types,
        true as is_random_sample
    from shuffled as earlier
    cross join generate_series(2, 5) as fractions (divisor)
    inner join shuffled as later
        on later.place = earlier.place + earlier.records / fractions.divisor
    where earlier.place <= {{ var('match_u_sample_pairs') }} / 4

),

-- this part's pairs: the part of a pair is its left record's hash, so the parts are disjoint and
-- together every pair
pairs as (

    select all_pairs.*
    from (
        select * from candidate_pairs
        union all
        select * from sampled_pairs
    ) as all_pairs
    where {{ crm_segments.in_part('all_pairs.left_contact_key', part, parts) }}

),

-- how many records carry each given name, family name and city: a given name on several
-- records is a name in use, not a typo; the share of the records with a value is its term
-- frequency (an agreement on a common value is weaker evidence)
value_counts as (

    select
        values_of_records.part,
        values_of_records.value_key,
        count(*) as record_count,
        count(*)::float8 / sum(count(*)) over (partition by values_of_records.part) as record_share
    from {{ ref('int_contacts_match_fields') }} as records
    cross join
        lateral (
            values
            ('first', records.first_name_key),
            ('last', records.last_name_key),
            ('city', records.city_key)
        ) as values_of_records (part, value_key)
    where values_of_records.value_key is not null
    group by values_of_records.part, values_of_records.value_key

),

given_name_counts as (

    select
        value_key as name_key,
        record_count,
        record_share
    from value_counts
    where part = 'first'

),

-- each record's non-junk identifiers (a record has at most one of each kind)
identifiers as (

    select
        contact_key,
        max(identifier_value) filter (where identifier_type = 'email') as email,
        max(identifier_value) filter (where identifier_type = 'mobile') as mobile,
        max(identifier_value) filter (where identifier_type = 'landline') as landline,
        max(identifier_value) filter (where identifier_type = 'national_id') as national_id,
        max(identifier_value) filter (where identifier_type = 'account') as account_id,
        max(identifier_value) filter (where identifier_type = 'address') as address
    from {{ ref('int_contact_identifiers') }}
    where not is_junk
    group by contact_key

),

contacts as (

    select
        *,
        coalesce(first_name_key, '') || coalesce(last_name_key, '') ~ '^[a-z ''-]*$' as has_latin_name_keys
    from {{ ref('int_contacts_match_fields') }}

),

joined as (

    select
        pairs.left_contact_key,
        pairs.right_contact_key,
        pairs.block_types,
        pairs.is_random_sample,
        coalesce(string_to_array(pairs.block_types, ','), array[]::text[]) as block_type_list,
        left_identifiers.email as left_email,
        right_identifiers.email as right_email,
        left_identifiers.mobile as left_mobile,
        right_identifiers.mobile as right_mobile,
        left_identifiers.landline as left_landline,
        right_identifiers.landline as right_landline,
        left_identifiers.national_id as left_national_id,
        right_identifiers.national_id as right_national_id,
        left_identifiers.account_id as left_account_id,
        right_identifiers.account_id as right_account_id,
        left_identifiers.address as left_address,
        right_identifiers.address as right_address,
        left_contacts.address_line_key as left_address_line,
        right_contacts.address_line_key as right_address_line,
        left_contacts.postal_key as left_postal,
        right_contacts.postal_key as right_postal,
        left_contacts.city_key as left_city,
        right_contacts.city_key as right_city,
        left_contacts.first_name_key as left_first,
        left_contacts.first_name_letters as left_first_letters,
        right_contacts.first_name_letters as right_first_letters,
        right_contacts.last_name_letters as right_last_letters,
        left_contacts.last_name_key as left_last,
        right_contacts.first_name_key as right_first,
        right_contacts.last_name_key as right_last,
        left_contacts.first_name_pinyin_pattern as left_first_pinyin,
        left_contacts.last_name_pinyin_pattern as left_last_pinyin,
        right_contacts.first_name_pinyin_pattern as right_first_pinyin,
        right_contacts.last_name_pinyin_pattern as right_last_pinyin,
        left_contacts.first_name_pinyin as left_first_spelling,
        left_contacts.last_name_pinyin as left_last_spelling,
        right_contacts.first_name_pinyin as right_first_spelling,
        right_contacts.last_name_pinyin as right_last_spelling,
        left_contacts.has_latin_name_keys = right_contacts.has_latin_name_keys as are_names_comparable,
        left_contacts.has_latin_name_keys and right_contacts.has_latin_name_keys as are_names_latin,
        left_contacts.birth_date as left_birth_date,
        right_contacts.birth_date as right_birth_date,
        {{ crm_segments.compare_birth_dates('left_contacts.birth_date', 'right_contacts.birth_date') }}
            as birth_date_relation,
        coalesce(
            left_contacts.is_national_id_valid and right_contacts.is_national_id_valid
            and left_contacts.national_id_type = right_contacts.national_id_type
            and left_contacts.national_id != right_contacts.national_id,
            false
        ) as has_national_id_conflict,
        case
            when left_contacts.address_key is not null and right_contacts.address_key is not null
                and left_contacts.postal_key = right_contacts.postal_key
                then {{ crm_segments.name_similarity('left_contacts.address_key', 'right_contacts.address_key') }}
        end as address_similarity,
        coalesce(left_contacts.address_line_key != right_contacts.address_line_key, false) as has_address_conflict,
        -- city names are not canonical (Moscow / Москва, Cluj / Cluj-Napoca): only postal codes conflict
        -- a postal code with one digit mistyped or two exchanged is not a conflict
        coalesce(
            left_contacts.postal_key != right_contacts.postal_key
            and not {{ crm_segments.is_one_typo_apart('left_contacts.postal_key', 'right_contacts.postal_key') }},
            false
        ) as has_location_conflict,
        coalesce(left_contacts.postal_key = right_contacts.postal_key, false)
        or coalesce(left_contacts.city_key = right_contacts.city_key, false) as has_location_agreement,
        coalesce(left_contacts.postal_key = right_contacts.postal_key, false) as shares_postal_code
    from pairs
    inner join contacts as left_contacts
        on pairs.left_contact_key = left_contacts.contact_key
    inner join contacts as right_contacts
        on pairs.right_contact_key = right_contacts.contact_key
    left join identifiers as left_identifiers
        on pairs.left_contact_key = left_identifiers.contact_key
    left join identifiers as right_identifiers
        on pairs.right_contact_key = right_identifiers.contact_key

),

straight_compared as (

    select
        joined.*,
        {{ crm_segments.compare_name_parts(
            'joined.left_first', 'joined.right_first', 'joined.left_first_pinyin', 'joined.right_first_pinyin',
            'joined.left_first_spelling', 'joined.right_first_spelling', 'joined.are_names_comparable'
        ) }} as straight_first_level,
        -- family names: the gendered ending is judged on the given names (Irina Smirnov is a typo)
        {{ crm_segments.compare_name_parts(
            'joined.left_last', 'joined.right_last', 'joined.left_last_pinyin', 'joined.right_last_pinyin',
            'joined.left_last_spelling', 'joined.right_last_spelling', 'joined.are_names_comparable',
            gendered=false, is_family_name=true
        ) }} as straight_last_level
    from joined
    -- offset 0 is a fence: each comparison is computed once per pair
    /* noqa: AM09 */ offset 0

),

-- the comparisons that only matter for some pairs, computed only for them (most candidate
-- pairs are one person whose names agree in full, and the name functions are the costly part)
compared as (

    select
        straight_compared.*,
        -- the last-name slot compared as given names are (Ion / Ioana differ): a record typed
        -- family name first puts twins' given names there (Manea Ion / Manea Ioana); read only
        -- where the family names are alike
        case
            when straight_compared.are_names_latin and straight_compared.straight_last_level >= 2
                then {{ crm_segments.compare_name_keys('straight_compared.left_last', 'straight_compared.right_last') }}
        end as straight_last_gendered_level,
        -- names exchanged can only agree better when the straight names are not both equal (3)
        case
            when straight_compared.straight_first_level + straight_compared.straight_last_level < 6
                then {{ crm_segments.compare_name_parts(
                    'straight_compared.left_first', 'straight_compared.right_last',
                    'straight_compared.left_first_pinyin', 'straight_compared.right_last_pinyin',
                    'straight_compared.left_first_spelling', 'straight_compared.right_last_spelling',
                    'straight_compared.are_names_comparable'
                ) }}
        end as swapped_first_level,
        case
            when straight_compared.straight_first_level + straight_compared.straight_last_level < 6
                then {{ crm_segments.compare_name_parts(
                    'straight_compared.left_last', 'straight_compared.right_first',
                    'straight_compared.left_last_pinyin', 'straight_compared.right_first_pinyin',
                    'straight_compared.left_last_spelling', 'straight_compared.right_first_spelling',
                    'straight_compared.are_names_comparable'
                ) }}
        end as swapped_last_level
    from straight_compared
    /* noqa: AM09 */ offset 0

),

-- the names agree better with first and last name exchanged (decided once per pair; never
-- when the straight names are both equal, whose swapped levels are not computed)
swap_checked as (

    select
        *,
        coalesce(
            swapped_first_level > 0 and swapped_last_level > 0
            and swapped_first_level + swapped_last_level > straight_first_level + straight_last_level,
            false
        ) as are_names_swapped
    from compared

),

oriented as (

    select
        left_contact_key,
        right_contact_key,
        block_types,
        is_random_sample,
        left_first,
        left_last,
        left_first_letters,
        left_email,
        right_email,
        left_mobile,
        right_mobile,
        left_landline,
        right_landline,
        left_national_id,
        right_national_id,
        left_account_id,
        right_account_id,
        left_address,
        right_address,
        left_address_line,
        right_address_line,
        left_postal,
        right_postal,
        left_city,
        right_city,
        are_names_comparable,
        are_names_latin,
        birth_date_relation,
        has_national_id_conflict,
        address_similarity,
        shares_postal_code,
        has_location_conflict,
        has_address_conflict,
        left_birth_date,
        right_birth_date,
        are_names_swapped,
        -- the right record's given name in the chosen orientation
        case when are_names_swapped then right_last else right_first end as right_given,
        case when are_names_swapped then right_last_letters else right_first_letters end as right_given_letters,
        -- last names alike only when a gendered ending is allowed: a family name typed with the
        -- other gender's ending, or the given names of twins typed family name first
        not are_names_swapped
        and straight_last_level >= 2
        and coalesce(straight_last_gendered_level = -1, false) as is_last_name_gender_variant,
        -- same street address, postal codes not in conflict (one may be missing)
        'address_line' = any(block_type_list) and not has_location_conflict as shares_address_line,
        (has_location_agreement or 'address_line' = any(block_type_list)) and not has_location_conflict
            as has_location_agreement,
        case
            when are_names_swapped
                -- which part is the given name is unknown when the parts are exchanged: the
                -- weaker comparison counts as the given name's (household guard)
                then least(swapped_first_level, swapped_last_level)
            else straight_first_level
        end as compared_first_name_level,
        case
            when are_names_swapped
                then greatest(swapped_first_level, swapped_last_level)
            else straight_last_level
        end as last_name_level,
        'email' = any(block_type_list) as shares_email,
        'mobile' = any(block_type_list) as shares_mobile,
        'landline' = any(block_type_list) as shares_landline,
        'national_id' = any(block_type_list) as shares_national_id,
        'account' = any(block_type_list) as shares_account,
        'address' = any(block_type_list) as shares_address,
        'name_postal' = any(block_type_list) as shares_name_postal
    from swap_checked

),

-- whether each given name is a name in use (on given_name_known_min_records records or more):
-- two names in use that differ by a gendered ending or by one letter are two people (Cristian /
-- Cristina, Alena / Elena); a rare spelling one letter or two neighbours away from the other
-- name is a typo of it, whatever its ending (Răzvna / Razvan, Татьян / Татьяна, Киа / Кира)
known as (

    select
        oriented.*,
        coalesce(left_given_names.record_count, 0) >= {{ var('given_name_known_min_records') }}
        and coalesce(right_given_names.record_count, 0) >= {{ var('given_name_known_min_records') }}
            as are_given_names_in_use,
        left_given_names.record_share as left_given_share,
        -- the first slot holds a family name (records typed family name first: Mureșan Fănel):
        -- its value is on more records as a family name than as a given name, so the last
        -- slot holds the given names
        coalesce(left_first_as_family.record_count, 0) > coalesce(left_given_names.record_count, 0)
            as is_family_name_first,
        case
            when oriented.compared_first_name_level = -1
                and oriented.are_names_latin
                and least(length(oriented.left_first), length(oriented.right_given)) >= 3
                and least(
                    coalesce(left_given_names.record_count, 0), coalesce(right_given_names.record_count, 0)
                ) < {{ var('given_name_known_min_records') }}
                and (
                    {{ crm_segments.is_one_typo_apart('oriented.left_first', 'oriented.right_given') }}
                    or (
                        oriented.left_first_letters ~ '^{{ crm_segments.cyrillic_class() }}+$'
                        and oriented.right_given_letters ~ '^{{ crm_segments.cyrillic_class() }}+$'
                        and {{ crm_segments.is_one_typo_apart(
                            'oriented.left_first_letters', 'oriented.right_given_letters'
                        ) }}
                    )
                )
                then 2
            else oriented.compared_first_name_level
        end as first_name_level
    from oriented
    left join given_name_counts as left_given_names
        on oriented.left_first = left_given_names.name_key
    left join given_name_counts as right_given_names
        on oriented.right_given = right_given_names.name_key
    left join value_counts as left_first_as_family
        on left_first_as_family.part = 'last' and oriented.left_first = left_first_as_family.value_key

),

leveled as (

    select
        *,
        {{ crm_segments.name_comparison('first_name_level') }} as first_name_comparison,
        {{ crm_segments.name_comparison('last_name_level') }} as last_name_comparison,
        birth_date_relation as birth_date_comparison,
        case
            when left_national_id is null or right_national_id is null then 'missing'
            when left_national_id = right_national_id then 'equal'
            -- one digit mistyped or two exchanged, in an id of the same kind
            when split_part(left_national_id, ':', 1) = split_part(right_national_id, ':', 1)
                and {{ crm_segments.is_one_typo_apart('left_national_id', 'right_national_id') }}
                then 'typo'
            else 'different'
        end as national_id_comparison,
        {{ crm_segments.identifier_comparison('left_email', 'right_email') }} as email_comparison,
        {{ crm_segments.identifier_comparison('left_mobile', 'right_mobile') }} as mobile_comparison,
        {{ crm_segments.identifier_comparison('left_landline', 'right_landline') }} as landline_comparison,
        {{ crm_segments.identifier_comparison('left_account_id', 'right_account_id') }} as account_comparison,
        case
            -- no address, or one on too many records (junk: a hotel, an office)
            when left_address is null or right_address is null then 'missing'
            when left_address = right_address then 'equal'
            when left_address_line = right_address_line and not has_location_conflict then 'same_street'
            when address_similarity >= {{ var('address_similarity_threshold') }} then 'similar'
            else 'different'
        end as address_comparison,
        case
            when left_postal is null or right_postal is null then 'missing'
            when left_postal = right_postal then 'equal'
            when not has_location_conflict then 'typo'
            else 'different'
        end as postal_code_comparison,
        {{ crm_segments.identifier_comparison('left_city', 'right_city') }} as city_comparison,
        -- a home or a family identifier in common: what members of one household share
        coalesce(
            shares_email or shares_landline or shares_address or shares_address_line
            or {{ crm_segments.identifier_comparison('left_email', 'right_email') }} = 'equal'
            or {{ crm_segments.identifier_comparison('left_landline', 'right_landline') }} = 'equal'
            or (left_address = right_address)
            or (left_address_line = right_address_line and not has_location_conflict),
            false
        ) as shares_home
    from known

),

guarded as (

    select
        *,
        -- positive evidence of two people (the household guard; it vetoes any match by weight):
        -- where they share a home or a family identifier, two given names that differ, family
        -- names that differ where the birth dates do not agree, birth dates that differ beyond
        -- a typo, or two different mobiles;
        -- home or not, two given names in use in one script that are only similar (Anna /
        -- Inna: not a typo of a rare name), and twins:
        -- one birth date, one family name and two given names, whichever slot holds the given
        -- name (records typed family name first: Mureșan Fănel / Mureșan Alina)
        coalesce(
            -- a family account is a home too
            (shares_home or account_comparison = 'equal')
            and (
                first_name_level = -1
                -- a family name that differs: a spouse's or an in-law's own name, unless the
                -- given name and the birth date agree (one person under a new family name);
                -- in records typed family name first this slot holds two given names
                or (last_name_level = -1 and (birth_date_relation != 'equal' or is_family_name_first))
                or birth_date_relation = 'different'
                or mobile_comparison = 'different'
            )
            or (first_name_level = 2 and are_given_names_in_use and are_names_comparable)
            or (
                birth_date_relation = 'equal'
                and (
                    (last_name_level >= 2 and first_name_level = -1)
                    or (first_name_level >= 2 and last_name_level = -1 and is_family_name_first)
                )
            ),
            false
        ) as is_household_pair,
        -- two different mobiles and no birth date to tell them apart (a same-named father and son)
        coalesce(
            birth_date_relation = 'missing' and mobile_comparison = 'different', false
        ) as has_undated_mobile_conflict
    from leveled

),

final as (

    select
        guarded.left_contact_key,
        guarded.right_contact_key,
        guarded.is_random_sample,
        guarded.block_types,
        guarded.first_name_comparison,
        guarded.last_name_comparison,
        guarded.birth_date_comparison,
        guarded.national_id_comparison,
        guarded.email_comparison,
        guarded.mobile_comparison,
        guarded.landline_comparison,
        guarded.account_comparison,
        guarded.address_comparison,
        guarded.postal_code_comparison,
        guarded.city_comparison,
        guarded.are_names_comparable,
        guarded.are_names_latin,
        guarded.are_names_swapped,
        guarded.first_name_level,
        guarded.last_name_level,
        guarded.is_last_name_gender_variant,
        guarded.birth_date_relation,
        guarded.left_birth_date,
        guarded.right_birth_date,
        guarded.has_national_id_conflict,
        guarded.address_similarity,
        guarded.has_address_conflict,
        guarded.has_location_conflict,
        guarded.has_location_agreement,
        guarded.shares_postal_code,
        guarded.shares_address_line,
        guarded.shares_email,
        guarded.shares_mobile,
        guarded.shares_landline,
        guarded.shares_national_id,
        guarded.shares_account,
        guarded.shares_address,
        guarded.shares_name_postal,
        guarded.shares_home,
        guarded.is_household_pair,
        guarded.has_undated_mobile_conflict,
        -- how common the agreed values are, for the term-frequency adjustment (a common name is
        -- weaker evidence); the values themselves are not kept (personal data)
        case when guarded.first_name_level = 3 then guarded.left_given_share end as agreed_first_name_share,
        case when guarded.last_name_level = 3 then family_names.record_share end as agreed_last_name_share,
        case when guarded.city_comparison = 'equal' then cities.record_share end as agreed_city_share
    from guarded
    left join value_counts as family_names
        on family_names.part = 'last' and guarded.left_last = family_names.value_key
    left join value_counts as cities
        on cities.part = 'city' and guarded.left_city = cities.value_key

)

select * from final
{%- endmacro %}
