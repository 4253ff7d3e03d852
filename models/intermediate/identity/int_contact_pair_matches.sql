{#- Every candidate pair judged, from its comparison (int_contact_pairs_compared): by the matching
    rules (first rule that holds wins; see _identity__models.yml), or by its match weight (the
    log2 odds of one person, from the trained weights of int_identity_match_weights with a
    term-frequency adjustment for common names and cities) when no guard vetoes it. Pairs that
    are not matched carry the reason. -#}
{%- set levels = crm_segments.match_levels() %}
with

pairs as (

    select * from {{ ref('int_contact_pairs_compared') }}
    where not is_random_sample

),

weight_rows as (

    select * from {{ ref('int_identity_match_weights') }}

),

-- the weights as one row: a column per field and level (log2 of the Bayes factor)
weights as (

    select
        max(log2_bayes_factor) filter (where field = 'prior') as prior_log2_odds,
        {%- for field, field_levels in levels.items() %}
            {%- for level in field_levels %}
                max(log2_bayes_factor) filter (where field = '{{ field }}' and level = '{{ level }}')
                    as {{ field }}__{{ level }},
                max(u_probability) filter (where field = '{{ field }}' and level = '{{ level }}')
                    as {{ field }}__{{ level }}__u,
            {%- endfor %}
        {%- endfor %}
        max(model_version) as model_version
    from weight_rows

),

scored as (

    select
        pairs.*,
        weights.model_version as match_model_version,
        weights.prior_log2_odds
        {%- for field, field_levels in levels.items() %}
            + case pairs.{{ field }}_comparison
                {%- for level in field_levels %}
                    when '{{ level }}' then weights.{{ field }}__{{ level }}
                {%- endfor %}
                else 0
            end
        {%- endfor %}
        -- a common value agreeing is weaker evidence than a rare one: the u probability of
        -- "equal" is replaced by the value's own frequency (term-frequency adjustment)
        + coalesce(ln(weights.first_name__equal__u / pairs.agreed_first_name_share) / ln(2), 0)
        + coalesce(ln(weights.last_name__equal__u / pairs.agreed_last_name_share) / ln(2), 0)
        + coalesce(ln(weights.city__equal__u / pairs.agreed_city_share) / ln(2), 0)
            as match_weight
    from pairs
    cross join weights

),

confirmed as (

    select
        scored.*,
        -- what makes a shared e-mail or mobile the same person's whatever the rule: an equal birth
        -- date with names that do not disagree (at least an initial, or an equal or similar
        -- family name when a given name is missing, or names in scripts that cannot be compared)
        scored.birth_date_relation = 'equal'
        and (
            (scored.first_name_level >= 1 and scored.last_name_level >= 0)
            or (scored.first_name_level = 0 and scored.last_name_level >= 2)
            or (not scored.are_names_comparable and scored.first_name_level >= 0 and scored.last_name_level >= 0)
        ) as is_confirmed_by_birth_date
    from scored

),

-- records whose e-mail is also on a record of another person (a given name or a birth date
-- that disagrees): a family e-mail, which confirms nobody's identity by itself. Read from the
-- table in one pass, not from the pairs above: a CTE read twice is written to disk whole.
family_email_records as (

    select distinct sides.contact_key
    from {{ ref('int_contact_pairs_compared') }} as compared
    cross join
        lateral (
            values
            (compared.left_contact_key),
            (compared.right_contact_key)
        ) as sides (contact_key)
    where
        not compared.is_random_sample
        and compared.shares_email
        and (compared.birth_date_relation = 'different' or compared.first_name_level = -1)

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
                        -- a membership test, not a join: the few family records are hashed
                        and confirmed.left_contact_key not in (
                            select family_records.contact_key from family_email_records as family_records
                        )
                        and confirmed.right_contact_key not in (
                            select family_records.contact_key from family_email_records as family_records
                        )
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
            -- two different mobiles and no birth date to tell them apart: a same-named father
            -- and son at one home (this and the two place rules below)
            when confirmed.shares_landline
                and confirmed.first_name_level = 3 and confirmed.last_name_level >= 2
                and not confirmed.has_undated_mobile_conflict
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
                and not confirmed.has_undated_mobile_conflict
                then 'fuzzy_name_address'
            -- the same full name in one postal code, no birth date to disagree, nothing in conflict
            when {{ var('match_name_postal') }}
                and confirmed.birth_date_relation = 'missing'
                and confirmed.shares_postal_code
                and confirmed.first_name_level = 3 and confirmed.last_name_level = 3
                and not confirmed.has_address_conflict
                and not confirmed.has_undated_mobile_conflict
                then 'name_postal'
        end as rule_match
    from confirmed

),

-- no rule, but the weight of all the evidence together, and nothing that says two people
weighed as (

    select
        *,
        coalesce(
            rule_match,
            case
                when match_weight >= {{ var('match_weight_threshold') }}
                    and not has_national_id_conflict
                    and not is_household_pair
                    -- a same-named father and son: no birth date to tell them apart, two mobiles
                    and not has_undated_mobile_conflict
                    -- in a shared home the weight of the home is no evidence of one person:
                    -- the given name and the birth date must agree, or a personal identifier
                    -- (the account holder's account: family members on one account differ in
                    -- given name, birth date or mobile, and is_household_pair vetoes them)
                    and (
                        not shares_home
                        or (first_name_level >= 2 and birth_date_relation in ('equal', 'swapped', 'typo'))
                        or mobile_comparison = 'equal'
                        or national_id_comparison in ('equal', 'typo')
                        or account_comparison = 'equal'
                    )
                    then 'match_weight'
            end
        ) as match_rule
    from judged

),

-- every match other than by a shared national id, seen from each of its two records: a record
-- matched to two records that are two people cannot say which of them it is
match_sides as (

    select
        sides.contact_key,
        sides.partner_key,
        sides.birth_date,
        sides.partner_birth_date,
        weighed.are_names_comparable
    from weighed
    -- both sides in one pass over the pairs
    cross join
        lateral (
            values
            (weighed.left_contact_key, weighed.right_contact_key, weighed.left_birth_date, weighed.right_birth_date),
            (weighed.right_contact_key, weighed.left_contact_key, weighed.right_birth_date, weighed.left_birth_date)
        ) as sides (contact_key, partner_key, birth_date, partner_birth_date)
    where weighed.match_rule is not null and weighed.match_rule != 'national_id'

),

-- a record without a birth date matched to records whose birth dates disagree (a shared family
-- e-mail, two namesakes in one postal code) belongs to one of two people: it links nobody by
-- those matches
undated_partners as (

    select
        contact_key as undated_contact_key,
        min(partner_birth_date) as earliest_partner_birth_date,
        max(partner_birth_date) as latest_partner_birth_date
    from match_sides
    where birth_date is null and partner_birth_date is not null
    group by contact_key

),

ambiguous as (

    select undated_contact_key
    from undated_partners
    where
        {{ crm_segments.compare_birth_dates('earliest_partner_birth_date', 'latest_partner_birth_date') }}
        = 'different'

),

-- a record whose names are in another script than those of two records it matches, which are
-- a household pair (twins 杨晶 and 杨静 against the pinyin record "Jing Yang"), links nobody by
-- those matches, so it does not merge the two. (In one script the names themselves tell: a
-- record matched to two records of one person that a guard keeps apart still links them.)
torn as (

    select distinct first_partner.contact_key
    from match_sides as first_partner
    inner join match_sides as second_partner
        on
            first_partner.contact_key = second_partner.contact_key
            and first_partner.partner_key < second_partner.partner_key
    inner join weighed as partners
        on
            first_partner.partner_key = partners.left_contact_key
            and second_partner.partner_key = partners.right_contact_key
    where
        not first_partner.are_names_comparable
        and not second_partner.are_names_comparable
        and partners.is_household_pair

),

disambiguated as (

    select
        weighed.*,
        coalesce(
            weighed.match_rule is not null
            and weighed.match_rule != 'national_id'
            and (left_ambiguous.undated_contact_key is not null or right_ambiguous.undated_contact_key is not null),
            false
        ) as is_ambiguous,
        coalesce(
            weighed.match_rule is not null
            and weighed.match_rule != 'national_id'
            and (left_torn.contact_key is not null or right_torn.contact_key is not null),
            false
        ) as is_torn
    from weighed
    left join ambiguous as left_ambiguous
        on weighed.left_birth_date is null and weighed.left_contact_key = left_ambiguous.undated_contact_key
    left join ambiguous as right_ambiguous
        on weighed.right_birth_date is null and weighed.right_contact_key = right_ambiguous.undated_contact_key
    left join torn as left_torn
        on weighed.left_contact_key = left_torn.contact_key
    left join torn as right_torn
        on weighed.right_contact_key = right_torn.contact_key

),

settled as (

    select
        *,
        case when not is_ambiguous and not is_torn then match_rule end as settled_rule
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
        first_name_comparison,
        last_name_comparison,
        birth_date_comparison,
        national_id_comparison,
        email_comparison,
        mobile_comparison,
        landline_comparison,
        account_comparison,
        address_comparison,
        postal_code_comparison,
        city_comparison,
        match_model_version,
        settled_rule as match_rule,
        round(match_weight::numeric, 2) as match_weight,
        round((1 / (1 + power(2, -match_weight)))::numeric, 4) as match_probability,
        settled_rule is not null as is_match,
        case
            when settled_rule is null then null
            when settled_rule = 'match_weight' then round((1 / (1 + power(2, -match_weight)))::numeric, 2)
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
            when is_torn then 'ambiguous_person'
            when has_national_id_conflict then 'national_id_conflict'
            when (shares_email or shares_mobile or shares_landline or shares_address or shares_address_line)
                and (birth_date_relation = 'different' or first_name_level = -1)
                then 'household_guard'
            when is_household_pair and match_weight >= {{ var('match_weight_threshold') }} then 'household_guard'
            when birth_date_relation = 'different' then 'birth_date_conflict'
            when first_name_level = -1 or last_name_level = -1 then 'name_mismatch'
            else 'insufficient_evidence'
        end as rejection_reason
    from settled

)

select * from final
