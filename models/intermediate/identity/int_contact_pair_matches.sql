{#- Every candidate pair, compared field by field and judged by the matching rules (first rule
    that holds wins; see _identity__models.yml). Pairs that are not matched carry the reason. -#}
{{ config(post_hook='analyze {{ this }}') }}
with

pairs as (

    select * from {{ ref('int_contact_candidate_pairs') }}

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
        string_to_array(pairs.block_types, ',') as block_type_list,
        left_contacts.first_name_key as left_first,
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
            and {{ crm_segments.edit_distance('left_contacts.postal_key', 'right_contacts.postal_key') }} > 1
            and not {{ crm_segments.is_transposition('left_contacts.postal_key', 'right_contacts.postal_key') }},
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

),

compared as (

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
        ) }} as straight_last_level,
        -- the last-name slot compared as given names are (Ion / Ioana differ): a record typed
        -- family name first puts twins' given names there (Manea Ion / Manea Ioana)
        case
            when joined.are_names_latin
                then {{ crm_segments.compare_name_keys('joined.left_last', 'joined.right_last') }}
        end as straight_last_gendered_level,
        {{ crm_segments.compare_name_parts(
            'joined.left_first', 'joined.right_last', 'joined.left_first_pinyin', 'joined.right_last_pinyin',
            'joined.left_first_spelling', 'joined.right_last_spelling', 'joined.are_names_comparable'
        ) }} as swapped_first_level,
        {{ crm_segments.compare_name_parts(
            'joined.left_last', 'joined.right_first', 'joined.left_last_pinyin', 'joined.right_first_pinyin',
            'joined.left_last_spelling', 'joined.right_first_spelling', 'joined.are_names_comparable'
        ) }} as swapped_last_level
    from joined
    -- offset 0 is a fence: each comparison is computed once per pair
    offset 0  -- noqa: AM09

),

-- the names agree better with first and last name exchanged (decided once per pair)
swap_checked as (

    select
        *,
        swapped_first_level > 0 and swapped_last_level > 0
        and swapped_first_level + swapped_last_level > straight_first_level + straight_last_level
            as are_names_swapped
    from compared

),

oriented as (

    select
        left_contact_key,
        right_contact_key,
        block_types,
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
        end as first_name_level,
        case
            when are_names_swapped
                then greatest(swapped_first_level, swapped_last_level)
            else straight_last_level
        end as last_name_level,
        'email' = any(block_type_list) as shares_email,
        'mobile' = any(block_type_list) as shares_mobile,
        'landline' = any(block_type_list) as shares_landline,
        'national_id' = any(block_type_list) as shares_national_id,
        'address' = any(block_type_list) as shares_address,
        'name_postal' = any(block_type_list) as shares_name_postal
    from swap_checked

),

confirmed as (

    select
        *,
        -- what makes a shared e-mail or mobile the same person's whatever the rule: an equal birth
        -- date with names that do not disagree (at least an initial, or an equal or similar
        -- family name when a given name is missing, or names in scripts that cannot be compared)
        birth_date_relation = 'equal'
        and (
            (first_name_level >= 1 and last_name_level >= 0)
            or (first_name_level = 0 and last_name_level >= 2)
            or (not are_names_comparable and first_name_level >= 0 and last_name_level >= 0)
        ) as is_confirmed_by_birth_date
    from oriented

),

-- records whose e-mail is also on a record of another person (a given name or a birth date
-- that disagrees): a family e-mail, which confirms nobody's identity by itself
family_email_records as (

    select left_contact_key as contact_key
    from confirmed
    where shares_email and (birth_date_relation = 'different' or first_name_level = -1)
    union
    select right_contact_key as contact_key
    from confirmed
    where shares_email and (birth_date_relation = 'different' or first_name_level = -1)

),

judged as (

    select
        confirmed.*,
        confirmed.birth_date_relation in ('equal', 'missing', 'swapped', 'typo') as is_birth_date_compatible,
        case
            when confirmed.has_national_id_conflict then null
            -- the same national id, both names alike and the same place outweigh a birth date
            -- typed wrongly (a namesake father and son have different ids)
            when confirmed.shares_national_id
                and confirmed.birth_date_relation = 'different'
                and confirmed.first_name_level >= 2 and confirmed.last_name_level >= 2
                and (confirmed.shares_address or confirmed.shares_address_line or confirmed.shares_postal_code)
                then 'national_id'
            when confirmed.birth_date_relation = 'different' then null
            when confirmed.shares_national_id
                and not (confirmed.first_name_level = -1 and confirmed.birth_date_relation != 'equal')
                and not (
                    confirmed.last_name_level = -1
                    and confirmed.first_name_level < 3
                    and confirmed.birth_date_relation != 'equal'
                )
                then 'national_id'
            -- a Han name against its pinyin spelling (the given name at best similar) with an
            -- equal family name is enough on a personal e-mail, not on a family one: twins 杨晶
            -- and 杨静 are both Jing Yang on the family e-mail. In one script a similar given
            -- name needs the birth date (sisters Galina / Alina share an e-mail)
            when confirmed.shares_email
                and (
                    confirmed.is_confirmed_by_birth_date
                    or (confirmed.first_name_level = 3 and confirmed.last_name_level >= 0)
                    or (
                        not confirmed.are_names_comparable
                        and not (left_family.contact_key is not null or right_family.contact_key is not null)
                        and confirmed.first_name_level = 2 and confirmed.last_name_level = 3
                    )
                )
                then 'email_name_dob'
            when confirmed.shares_mobile
                and (
                    confirmed.is_confirmed_by_birth_date
                    or (confirmed.first_name_level >= 2 and confirmed.last_name_level >= 0)
                )
                then 'mobile_name_dob'
            when confirmed.shares_landline
                and confirmed.first_name_level = 3 and confirmed.last_name_level >= 2
                then 'landline_name_dob'
            when confirmed.birth_date_relation = 'equal'
                and confirmed.first_name_level >= 2 and confirmed.last_name_level >= 2
                and confirmed.first_name_level + confirmed.last_name_level >= 5
                and (
                    confirmed.shares_email
                    or confirmed.shares_mobile
                    or confirmed.shares_national_id
                    -- twins share a birth date and a home: Alena / Elena at one address differ
                    or (
                        confirmed.first_name_level = 3
                        and not confirmed.is_last_name_gender_variant
                        and (confirmed.has_location_agreement or confirmed.shares_landline or confirmed.shares_address)
                    )
                )
                then 'fuzzy_name_dob'
            when confirmed.birth_date_relation in ('equal', 'missing')
                and (
                    confirmed.shares_address
                    or confirmed.shares_address_line
                    or confirmed.address_similarity >= {{ var('address_similarity_threshold') }}
                )
                and (
                    (confirmed.first_name_level = 3 and confirmed.last_name_level = 3)
                    -- a first name that is only similar is a twin at home, not a typo
                    or (
                        confirmed.birth_date_relation = 'equal'
                        and confirmed.first_name_level = 3
                        and confirmed.last_name_level = 2
                        and not confirmed.is_last_name_gender_variant
                    )
                )
                then 'fuzzy_name_address'
            -- the same full name in one postal code, no birth date to disagree, nothing in conflict
            when {{ var('match_name_postal') }}
                and confirmed.birth_date_relation = 'missing'
                and confirmed.shares_postal_code
                and confirmed.first_name_level = 3 and confirmed.last_name_level = 3
                and not confirmed.has_address_conflict
                then 'name_postal'
        end as match_rule
    from confirmed
    left join family_email_records as left_family
        on confirmed.left_contact_key = left_family.contact_key
    left join family_email_records as right_family
        on confirmed.right_contact_key = right_family.contact_key

),

-- a record without a birth date matched, by a rule other than a shared national id, to records
-- whose birth dates disagree (a shared family e-mail, two namesakes in one postal code) belongs
-- to one of two people and cannot say which: it links nobody by those rules
undated_partners as (

    select
        undated_contact_key,
        min(partner_birth_date) as earliest_partner_birth_date,
        max(partner_birth_date) as latest_partner_birth_date
    from (
        select
            left_contact_key as undated_contact_key,
            right_birth_date as partner_birth_date
        from judged
        where match_rule is not null and match_rule != 'national_id' and left_birth_date is null
        union all
        select
            right_contact_key as undated_contact_key,
            left_birth_date as partner_birth_date
        from judged
        where match_rule is not null and match_rule != 'national_id' and right_birth_date is null
    ) as undated_matches
    where partner_birth_date is not null
    group by undated_contact_key

),

ambiguous as (

    select undated_contact_key
    from undated_partners
    where
        {{ crm_segments.compare_birth_dates('earliest_partner_birth_date', 'latest_partner_birth_date') }}
        = 'different'

),

disambiguated as (

    select
        judged.*,
        coalesce(
            judged.match_rule is not null
            and judged.match_rule != 'national_id'
            and (left_ambiguous.undated_contact_key is not null or right_ambiguous.undated_contact_key is not null),
            false
        ) as is_ambiguous
    from judged
    left join ambiguous as left_ambiguous
        on judged.left_birth_date is null and judged.left_contact_key = left_ambiguous.undated_contact_key
    left join ambiguous as right_ambiguous
        on judged.right_birth_date is null and judged.right_contact_key = right_ambiguous.undated_contact_key

),

settled as (

    select
        *,
        case when not is_ambiguous then match_rule end as settled_rule
    from disambiguated

),

final as (

    select
        left_contact_key,
        right_contact_key,
        block_types,
        birth_date_relation,
        first_name_level,
        last_name_level,
        are_names_comparable,
        are_names_swapped,
        has_national_id_conflict,
        address_similarity,
        shares_address_line,
        shares_postal_code,
        has_location_conflict,
        has_location_agreement,
        settled_rule as match_rule,
        settled_rule is not null as is_match,
        case
            when settled_rule is null then null
            else round(
                    case settled_rule
                        when 'national_id' then 1.00
                        when 'email_name_dob' then 0.95
                        when 'mobile_name_dob' then 0.95
                        when 'landline_name_dob' then 0.90
                        when 'fuzzy_name_dob' then 0.85
                        when 'fuzzy_name_address' then 0.80
                        else 0.75
                    end
                    - case when first_name_level < 3 then 0.05 else 0 end
                    - case when birth_date_relation != 'equal' then 0.05 else 0 end,
                    2
                )
        end as match_score,
        case
            when settled_rule is not null then null
            when is_ambiguous then 'ambiguous_birth_date'
            when has_national_id_conflict then 'national_id_conflict'
            when (shares_email or shares_mobile or shares_landline or shares_address or shares_address_line)
                and (birth_date_relation = 'different' or first_name_level = -1)
                then 'household_guard'
            when birth_date_relation = 'different' then 'birth_date_conflict'
            when first_name_level = -1 or last_name_level = -1 then 'name_mismatch'
            else 'insufficient_evidence'
        end as rejection_reason
    from settled

)

select * from final
