{#- Person x offer: the catalogue offers a person may be offered on the as-of date, one row per
    eligible pair. An offer is eligible when it is valid (int_offers_parsed.is_valid); the
    person's plan type (int_customer_plan_types; mixed fits prepaid and postpaid), lifecycle
    stage, value tier and tenure fit its lists (empty = any); the person does not hold its
    product (no conversion on an offer of the same product within var nba_product_held_months);
    was not treated by a campaign with this offer within var nba_offer_rest_days; has no active
    person-level suppression; and has a current marketing grant and a usable address on at
    least one of the offer's channels (consented_channels). Whether the offer may go out on an
    outbound channel (campaign_audience: also outside the global control group and under the
    contact-pressure caps) is decided in next_best_action. -#}
with

as_of as (

    select
        {{ crm_segments.as_of_date() }} as as_of_date,
        {{ crm_segments.as_of_at() }} as as_of_at

),

offers as (

    select * from {{ ref('int_offers_parsed') }}
    where is_valid

),

persons as (

    select
        cells.customer_id,
        cells.lifecycle_stage,
        tiers.value_tier,
        plan_types.plan_type,
        coalesce(tenure.tenure_months, 0) as tenure_months
    from {{ ref('int_customer_propensity_cells') }} as cells
    left join {{ ref('int_customer_value_tiers') }} as tiers on cells.customer_id = tiers.customer_id
    left join {{ ref('int_customer_plan_types') }} as plan_types on cells.customer_id = plan_types.customer_id
    left join {{ ref('int_customer_tenure') }} as tenure on cells.customer_id = tenure.customer_id

),

candidates as (

    select
        persons.customer_id,
        offers.offer_code,
        offers.product,
        offers.channels
    from persons
    inner join offers
        on
            (
                cardinality(offers.eligible_plan_types) = 0
                or persons.plan_type = any(offers.eligible_plan_types)
                or (persons.plan_type = 'mixed' and offers.eligible_plan_types && array['prepaid', 'postpaid'])
            )
            and (
                cardinality(offers.eligible_lifecycle_stages) = 0
                or persons.lifecycle_stage = any(offers.eligible_lifecycle_stages)
            )
            and (
                cardinality(offers.eligible_value_tiers) = 0
                or persons.value_tier = any(offers.eligible_value_tiers)
            )
            and persons.tenure_months >= offers.min_tenure_months

),

consented_channels as (

    select
        consents.customer_id,
        consents.channel
    from {{ ref('int_customer_consents_current') }} as consents
    inner join {{ ref('int_customer_channels_reachable') }} as reachable
        on
            consents.customer_id = reachable.customer_id
            and consents.channel = reachable.channel
    where consents.purpose = 'marketing' and consents.is_granted and reachable.is_reachable

),

suppressed as (

    select distinct customer_id
    from {{ ref('int_suppressions_resolved') }}
    where is_active and suppression_level = 'person' and customer_id is not null

),

offered_campaigns as (

    select
        participants.customer_id,
        participants.campaign_group,
        participants.is_converter,
        participants.last_contacted_at,
        campaign_offers.offer_code,
        campaign_offers.product
    from {{ ref('int_campaign_participants_summarized') }} as participants
    inner join {{ ref('int_campaigns_classified') }} as campaigns
        on participants.campaign_id = campaigns.campaign_id
    inner join {{ ref('int_offers_parsed') }} as campaign_offers
        on campaigns.offer_code = campaign_offers.offer_code

),

held_products as (

    select distinct
        offered_campaigns.customer_id,
        offered_campaigns.product
    from offered_campaigns
    cross join as_of
    where
        offered_campaigns.is_converter
        and offered_campaigns.last_contacted_at
        >= as_of.as_of_at - interval '{{ var("nba_product_held_months") }} month'

),

resting as (

    select distinct
        offered_campaigns.customer_id,
        offered_campaigns.offer_code
    from offered_campaigns
    cross join as_of
    where
        offered_campaigns.campaign_group = 'treated'
        and offered_campaigns.last_contacted_at
        >= as_of.as_of_at - interval '{{ var("nba_offer_rest_days") }} day'

),

final as (

    select
        candidates.customer_id,
        candidates.offer_code,
        array_agg(consented_channels.channel order by consented_channels.channel) as consented_channels
    from candidates
    inner join consented_channels
        on
            candidates.customer_id = consented_channels.customer_id
            and consented_channels.channel = any(candidates.channels)
    where
        not exists (
            select 1 from suppressed
            where suppressed.customer_id = candidates.customer_id
        )
        and not exists (
            select 1 from held_products
            where
                held_products.customer_id = candidates.customer_id
                and held_products.product = candidates.product
        )
        and not exists (
            select 1 from resting
            where
                resting.customer_id = candidates.customer_id
                and resting.offer_code = candidates.offer_code
        )
    group by candidates.customer_id, candidates.offer_code

)

select * from final
