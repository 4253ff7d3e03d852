-- Invariant: no ineligible offer is ranked. Every next_best_action row is re-checked against the
-- offer catalogue (the seed, not int_offers_parsed), the person's segments, plan types, consent,
-- suppressions and campaign history, independently of int_customer_offers_eligible.
with

as_of as (

    select
        {{ crm_segments.segments_as_of_date() }} as as_of_date,
        {{ crm_segments.consent_as_of_at() }} as as_of_at

),

nba as (

    select
        nba.*,
        offers.product as catalogue_product,
        offers.valid_from,
        offers.valid_to,
        offers.min_tenure_months,
        '|' || replace(coalesce(offers.eligible_plan_types, ''), ' ', '') || '|' as plan_type_list,
        '|' || replace(coalesce(offers.eligible_lifecycle_stages, ''), ' ', '') || '|' as stage_list,
        '|' || replace(coalesce(offers.eligible_value_tiers, ''), ' ', '') || '|' as tier_list,
        '|' || replace(offers.channels, ' ', '') || '|' as channel_list
    from {{ ref('next_best_action') }} as nba
    left join {{ ref('offers') }} as offers on nba.offer_code = offers.offer_code

),

persons as (

    select
        segments.customer_id,
        segments.lifecycle_stage,
        segments.value_tier,
        plan_types.plan_type,
        coalesce(segments.tenure_months, 0) as tenure_months
    from {{ ref('customer_segments') }} as segments
    left join {{ ref('int_customer_plan_types') }} as plan_types on segments.customer_id = plan_types.customer_id

),

campaign_history as (

    select
        contacts.customer_id,
        contacts.is_control,
        contacts.is_conversion,
        contacts.contacted_at,
        campaigns.offer_code,
        offers.product
    from {{ ref('int_campaign_contacts_resolved') }} as contacts
    inner join {{ ref('stg_crm__campaigns') }} as campaigns on contacts.campaign_id = campaigns.campaign_id
    left join {{ ref('offers') }} as offers on campaigns.offer_code = offers.offer_code
    cross join as_of
    where contacts.contacted_at < as_of.as_of_at

),

checks as (

    select
        nba.customer_id,
        nba.offer_code,
        case
            when nba.catalogue_product is null then 'not in the catalogue'
            when nba.valid_from > as_of.as_of_date or nba.valid_to < as_of.as_of_date then 'outside its validity'
            when
                nba.stage_list != '||'
                and position('|' || persons.lifecycle_stage || '|' in nba.stage_list) = 0
                then 'lifecycle stage'
            when
                nba.tier_list != '||'
                and coalesce(position('|' || persons.value_tier || '|' in nba.tier_list), 0) = 0
                then 'value tier'
            when
                nba.plan_type_list != '||'
                and coalesce(position('|' || persons.plan_type || '|' in nba.plan_type_list), 0) = 0
                and not (
                    persons.plan_type = 'mixed'
                    and (
                        position('|prepaid|' in nba.plan_type_list) > 0
                        or position('|postpaid|' in nba.plan_type_list) > 0
                    )
                )
                then 'plan type'
            when persons.tenure_months < nba.min_tenure_months then 'tenure'
            when exists (
                    select 1 from campaign_history
                    where
                        campaign_history.customer_id = nba.customer_id
                        and campaign_history.product = nba.catalogue_product
                        and campaign_history.is_conversion
                        and campaign_history.contacted_at
                        >= as_of.as_of_at - interval '{{ var("nba_product_held_months") }} month'
                ) then 'holds the product'
            when exists (
                    select 1 from campaign_history
                    where
                        campaign_history.customer_id = nba.customer_id
                        and campaign_history.offer_code = nba.offer_code
                        and not campaign_history.is_control
                        and campaign_history.contacted_at
                        >= as_of.as_of_at - interval '{{ var("nba_offer_rest_days") }} day'
                ) then 'offered within the rest period'
            when not exists (
                    select 1
                    from {{ ref('customer_consent') }} as consent
                    inner join {{ ref('int_customer_channels_reachable') }} as reachable
                        on
                            consent.customer_id = reachable.customer_id
                            and consent.channel = reachable.channel
                    where
                        consent.customer_id = nba.customer_id
                        and consent.purpose = 'marketing'
                        and consent.consent_state = 'granted'
                        and reachable.is_reachable
                        and position('|' || consent.channel || '|' in nba.channel_list) > 0
                ) then 'no marketing grant on a channel of the offer'
            when exists (
                    select 1 from {{ ref('int_suppressions_resolved') }} as suppressions
                    where
                        suppressions.customer_id = nba.customer_id
                        and suppressions.is_active
                        and suppressions.suppression_level = 'person'
                ) then 'suppressed'
            when nba.channel is not null and position('|' || nba.channel || '|' in nba.channel_list) = 0
                then 'channel not allowed by the offer'
            when nba.channel is not null and not exists (
                    select 1 from {{ ref('campaign_audience') }} as audience
                    where audience.customer_id = nba.customer_id and audience.channel = nba.channel
                ) then 'outbound channel outside campaign_audience'
            when nba.channel is not null and exists (
                    select 1 from {{ ref('global_control_group') }} as control_group
                    where control_group.customer_id = nba.customer_id
                ) then 'outbound offer to the global control group'
            when nba.expected_value <= {{ var('nba_min_expected_value') }} then 'expected value too low'
        end as problem
    from nba
    cross join as_of
    left join persons on nba.customer_id = persons.customer_id

)

select * from checks
where problem is not null
