{#- Every segment label of a person in one row, as of the var as_of_date (monthly rules read the
    reference month, the last complete month on or before it). Prospects have a row with the
    labels that apply to them (lifecycle prospect) and NULL elsewhere. The behavioural cluster
    comes from int_customer_clusters (issue 6), the preferred channel from
    int_customer_channels_preferred (issue 4), the latest NPS answer from
    int_nps_responses_resolved (issue 13). -#}
with

as_of as (

    select
        {{ crm_segments.as_of_date() }} as as_of_date,
        {{ crm_segments.reference_month() }} as reference_month

),

renewal_per_person as (

    select distinct on (customer_id)
        customer_id,
        renewal_bucket
    from {{ ref('int_subscription_renewals') }}
    where renewal_bucket is not null
    order by
        customer_id asc,
        case renewal_bucket
            when 'expiring_this_month' then 1
            when 'expiring_in_2_3_months' then 2
            else 3
        end asc

),

renewal_counts as (

    select
        customer_id,
        count(*) filter (where renewal_bucket is not null) as renewal_subscription_count
    from {{ ref('int_subscription_renewals') }}
    group by customer_id

),

-- the person's latest NPS answer up to the consent "now" (issue 13)
latest_nps as (

    select distinct on (customer_id)
        customer_id,
        score,
        nps_class,
        responded_at
    from {{ ref('int_nps_responses_resolved') }}
    where responded_at < {{ crm_segments.as_of_at() }}
    order by customer_id asc, responded_at desc, response_id desc

),

lights as (

    select
        lights.customer_id,
        lights.traffic_light,
        lights.traffic_light_reason
    from {{ ref('int_high_end_traffic_lights') }} as lights
    cross join as_of
    where lights.month = as_of.reference_month

),

final as (

    select
        customers.customer_id,
        customers.is_prospect,
        as_of.as_of_date,
        as_of.reference_month,
        rfm.recency_days,
        rfm.frequency,
        rfm.monetary,
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,
        rfm.rfm_code,
        rfm.rfm_segment,
        tenure.cohort_month,
        tenure.first_activation_date,
        tenure.tenure_months,
        tenure.tenure_band,
        tenure.loyalty_discount_pct,
        value_tiers.avg_monthly_margin,
        value_tiers.value_tier,
        lights.traffic_light,
        lights.traffic_light_reason,
        lifecycle.lifecycle_stage,
        lifecycle.lifecycle_reason,
        renewal_per_person.renewal_bucket,
        clusters.cluster_id,
        clusters.cluster_label,
        clusters.cluster_status,
        preferred.preferred_channel,
        latest_nps.score as latest_nps_score,
        latest_nps.nps_class as latest_nps_class,
        latest_nps.responded_at as latest_nps_at,
        lights.customer_id is not null as is_high_end_baseline,
        coalesce(lifecycle.active_subscription_count, 0) as active_subscriptions,
        coalesce(renewal_counts.renewal_subscription_count, 0) as renewal_subscription_count
    from {{ ref('customers') }} as customers
    cross join as_of
    left join {{ ref('int_customer_rfm') }} as rfm on customers.customer_id = rfm.customer_id
    left join {{ ref('int_customer_tenure') }} as tenure on customers.customer_id = tenure.customer_id
    left join {{ ref('int_customer_value_tiers') }} as value_tiers
        on customers.customer_id = value_tiers.customer_id
    left join lights on customers.customer_id = lights.customer_id
    left join {{ ref('int_customer_lifecycle') }} as lifecycle on customers.customer_id = lifecycle.customer_id
    left join renewal_per_person on customers.customer_id = renewal_per_person.customer_id
    left join renewal_counts on customers.customer_id = renewal_counts.customer_id
    left join {{ ref('int_customer_clusters') }} as clusters on customers.customer_id = clusters.customer_id
    left join {{ ref('int_customer_channels_preferred') }} as preferred
        on customers.customer_id = preferred.customer_id
    left join latest_nps on customers.customer_id = latest_nps.customer_id

)

select * from final
