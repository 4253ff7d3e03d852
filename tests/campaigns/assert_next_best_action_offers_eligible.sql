-- Invariant: no ineligible offer is ranked. Every next_best_action row is re-checked against the
-- offer catalogue (the seed, not int_offers_parsed), the person's segments, plan types, consent,
-- suppressions and campaign history, independently of int_customer_offers_eligible. Each rule is
-- a set (joined once), never a subquery per row.
with

as_of as (

    select
        {{ crm_segments.as_of_date() }} as as_of_date,
        {{ crm_segments.as_of_at() }} as as_of_at

),

nba as (

    select
        nba.customer_id,
        nba.offer_code,
        nba.channel,
        nba.expected_value,
        offers.product,
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

history as (

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

held as (

    select distinct
        history.customer_id,
        history.product
    from history
    cross join as_of
    where
        history.is_conversion
        and history.contacted_at >= as_of.as_of_at - interval '{{ var("nba_product_held_months") }} month'

),

rested as (

    select distinct
        history.customer_id,
        history.offer_code
    from history
    cross join as_of
    where
        not history.is_control
        and history.contacted_at >= as_of.as_of_at - interval '{{ var("nba_offer_rest_days") }} day'

),

granted as (

    select
        consent.customer_id,
        '|' || string_agg(consent.channel, '|') || '|' as granted_channels
    from {{ ref('customer_consent') }} as consent
    inner join {{ ref('int_customer_channels_reachable') }} as reachable
        on
            consent.customer_id = reachable.customer_id
            and consent.channel = reachable.channel
    where consent.purpose = 'marketing' and consent.consent_state = 'granted' and reachable.is_reachable
    group by consent.customer_id

),

suppressed as (

    select distinct customer_id
    from {{ ref('int_suppressions_resolved') }}
    where is_active and suppression_level = 'person' and customer_id is not null

),

audience as (

    select
        customer_id,
        channel
    from {{ ref('campaign_audience') }}

),

control_group as (

    select customer_id from {{ ref('global_control_group') }}

),

checks as (

    select
        nba.customer_id,
        nba.offer_code,
        case
            when nba.product is null then 'not in the catalogue'
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
            when held.customer_id is not null then 'holds the product'
            when rested.customer_id is not null then 'offered within the rest period'
            when
                granted.customer_id is null
                or not exists (
                    select 1
                    from unnest(string_to_array(trim(both '|' from nba.channel_list), '|')) as offer_channel (channel)
                    where position('|' || offer_channel.channel || '|' in granted.granted_channels) > 0
                )
                then 'no marketing grant on a channel of the offer'
            when suppressed.customer_id is not null then 'suppressed'
            when nba.channel is not null and position('|' || nba.channel || '|' in nba.channel_list) = 0
                then 'channel not allowed by the offer'
            when nba.channel is not null and audience.customer_id is null
                then 'outbound channel outside campaign_audience'
            when nba.channel is not null and control_group.customer_id is not null
                then 'outbound offer to the global control group'
            when nba.expected_value <= {{ var('nba_min_expected_value') }} then 'expected value too low'
        end as problem
    from nba
    cross join as_of
    left join persons on nba.customer_id = persons.customer_id
    left join held on nba.customer_id = held.customer_id and nba.product = held.product
    left join rested on nba.customer_id = rested.customer_id and nba.offer_code = rested.offer_code
    left join granted on nba.customer_id = granted.customer_id
    left join suppressed on nba.customer_id = suppressed.customer_id
    left join audience on nba.customer_id = audience.customer_id and nba.channel = audience.channel
    left join control_group on nba.customer_id = control_group.customer_id

)

select * from checks
where problem is not null
