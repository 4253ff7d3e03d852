{#- Lifecycle stage per person as of the as-of date, first matching rule wins:
      prospect  no billing account (a lead), or an account without any subscription activated by
                the as-of date;
      churned   subscriptions, but none active on the as-of date (win-back);
      new       first activation within var('lifecycle_new_days') days of the as-of date;
      at_risk   a red or yellow high-end traffic light in the reference month, or declining usage
                (revenue or voice minutes of the last var('lifecycle_decline_months') months down
                by var('lifecycle_decline_pct') percent or more on the months before), or a
                detractor NPS answer (macro nps_class: score <= var('nps_detractor_max_score')) as the latest answer
                within var('lifecycle_nps_lookback_months') months;
      active    the rest.
    The reason names the rule (and, for at_risk, the first matching signal). -#}
-- noqa: disable=RF04
with

as_of as (

    select
        {{ crm_segments.as_of_date() }} as as_of_date,
        {{ crm_segments.reference_month() }} as reference_month

),

persons as (

    select
        customer_id,
        bool_and(account_id is null) as is_prospect
    from {{ ref('int_contacts_resolved') }}
    group by customer_id

),

subscriptions as (

    select
        subs.customer_id,
        count(*) as subscription_count,
        count(*) filter (where subs.is_active) as active_subscription_count
    from {{ ref('int_subscriptions_resolved') }} as subs
    where subs.is_activated
    group by subs.customer_id

),

usage_trend as (

    select
        facts.customer_id,
        sum(facts.revenue) filter (
            where facts.month > as_of.reference_month - interval '{{ var("lifecycle_decline_months", 3) }} month'
        )
            as recent_revenue,
        sum(facts.revenue) filter (
            where facts.month <= as_of.reference_month - interval '{{ var("lifecycle_decline_months", 3) }} month'
        )
            as previous_revenue,
        sum(facts.voice_mou) filter (
            where facts.month > as_of.reference_month - interval '{{ var("lifecycle_decline_months", 3) }} month'
        )
            as recent_voice_mou,
        sum(facts.voice_mou) filter (
            where facts.month <= as_of.reference_month - interval '{{ var("lifecycle_decline_months", 3) }} month'
        )
            as previous_voice_mou
    from {{ ref('int_customer_monthly_facts') }} as facts
    cross join as_of
    where
        facts.month > as_of.reference_month - interval '{{ 2 * var("lifecycle_decline_months", 3) }} month'
        and facts.month <= as_of.reference_month
    group by facts.customer_id

),

latest_nps as (

    select distinct on (facts.customer_id)
        facts.customer_id,
        facts.nps_score
    from {{ ref('int_customer_monthly_facts') }} as facts
    cross join as_of
    where
        facts.nps_score is not null
        and facts.month > as_of.reference_month - interval '{{ var("lifecycle_nps_lookback_months", 12) }} month'
        and facts.month <= as_of.reference_month
    order by facts.customer_id asc, facts.month desc

),

lights as (

    select
        lights.customer_id,
        lights.traffic_light
    from {{ ref('int_high_end_traffic_lights') }} as lights
    cross join as_of
    where lights.month = as_of.reference_month

),

signals as (

    select
        persons.customer_id,
        persons.is_prospect,
        tenure.first_activation_date,
        lights.traffic_light,
        coalesce(subscriptions.subscription_count, 0) as subscription_count,
        coalesce(subscriptions.active_subscription_count, 0) as active_subscription_count,
        as_of.as_of_date - tenure.first_activation_date as days_since_first_activation,
        coalesce(
            usage_trend.previous_revenue > 0
            and usage_trend.recent_revenue
            <= usage_trend.previous_revenue * (1 - {{ var('lifecycle_decline_pct', 30) }} / 100.0),
            false
        ) as is_revenue_declining,
        coalesce(
            usage_trend.previous_voice_mou > 0
            and usage_trend.recent_voice_mou
            <= usage_trend.previous_voice_mou * (1 - {{ var('lifecycle_decline_pct', 30) }} / 100.0),
            false
        ) as is_voice_declining,
        coalesce({{ crm_segments.nps_class('latest_nps.nps_score') }} = 'detractor', false) as is_nps_detractor
    from persons
    cross join as_of
    left join subscriptions on persons.customer_id = subscriptions.customer_id
    left join {{ ref('int_customer_tenure') }} as tenure on persons.customer_id = tenure.customer_id
    left join usage_trend on persons.customer_id = usage_trend.customer_id
    left join latest_nps on persons.customer_id = latest_nps.customer_id
    left join lights on persons.customer_id = lights.customer_id

),

final as (

    select
        customer_id,
        subscription_count,
        active_subscription_count,
        first_activation_date,
        traffic_light,
        is_revenue_declining,
        is_voice_declining,
        is_nps_detractor,
        case
            when is_prospect or subscription_count = 0 then 'prospect'
            when active_subscription_count = 0 then 'churned'
            when days_since_first_activation < {{ var('lifecycle_new_days', 90) }} then 'new'
            when
                traffic_light in ('red', 'yellow')
                or is_revenue_declining or is_voice_declining or is_nps_detractor
                then 'at_risk'
            else 'active'
        end as lifecycle_stage,
        case
            when is_prospect then 'lead_without_account'
            when subscription_count = 0 then 'no_subscription'
            when active_subscription_count = 0 then 'no_active_subscription'
            when days_since_first_activation < {{ var('lifecycle_new_days', 90) }} then 'first_activation_within_window'
            when traffic_light = 'red' then 'traffic_light_red'
            when traffic_light = 'yellow' then 'traffic_light_yellow'
            when is_revenue_declining then 'declining_revenue'
            when is_voice_declining then 'declining_voice'
            when is_nps_detractor then 'nps_detractor'
            else 'active_subscription'
        end as lifecycle_reason
    from signals

)

select * from final
