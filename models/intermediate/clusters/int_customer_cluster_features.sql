{#- The behavioural features the clusters are fitted on and scored with: one row per person with
    a subscription activated on or before as_of_date, except persons who withdrew profiling
    consent. Usage features are averages per active month over the last
    cluster_feature_window_months months up to the reference month; no NULLs (a person without
    activity in the window has zero usage). -#}
{%- set window = var('cluster_feature_window_months', 6) | int -%}

with

tenure as (

    select * from {{ ref('int_customer_tenure') }}

),

rfm as (

    select * from {{ ref('int_customer_rfm') }}

),

monthly_facts as (

    select * from {{ ref('int_customer_monthly_facts') }}

),

withdrawals as (

    select * from {{ ref('int_customer_profiling_withdrawals') }}

),

-- months of the window in which the person was active (a subscription or a bill)
usage_window as (

    select
        monthly_facts.customer_id,
        count(*) as active_months,
        sum(monthly_facts.revenue) as revenue,
        sum(monthly_facts.voice_mou) as voice_mou,
        sum(monthly_facts.data_mb) as data_mb,
        sum(monthly_facts.sms_count) as sms_count,
        sum(monthly_facts.roaming_revenue) as roaming_revenue
    from monthly_facts
    where
        monthly_facts.month > {{ crm_segments.reference_month() }} - interval '{{ window }} month'
        and monthly_facts.month <= {{ crm_segments.reference_month() }}
        and (monthly_facts.active_subscriptions > 0 or monthly_facts.billed_subscriptions > 0)
    group by monthly_facts.customer_id

),

final as (

    select
        tenure.customer_id,
        -- no transaction ever: days since the first activation (as if one at activation)
        greatest(
            coalesce(rfm.recency_days, {{ crm_segments.as_of_date() }} - tenure.first_activation_date),
            0
        )::float8 as recency_days,
        coalesce(rfm.frequency, 0)::float8 as frequency,
        coalesce(rfm.monetary, 0)::float8 as monetary,
        coalesce(usage_window.revenue / usage_window.active_months, 0)::float8 as arpu,
        coalesce(usage_window.voice_mou / usage_window.active_months, 0)::float8 as voice_mou,
        coalesce(usage_window.data_mb / usage_window.active_months, 0)::float8 as data_mb,
        coalesce(usage_window.sms_count / usage_window.active_months, 0)::float8 as sms_count,
        least(greatest(coalesce(usage_window.roaming_revenue / nullif(usage_window.revenue, 0), 0), 0), 1)::float8
            as roaming_share,
        tenure.tenure_months::float8 as tenure_months,
        coalesce(usage_window.active_months, 0) as active_months
    from tenure
    left join rfm on tenure.customer_id = rfm.customer_id
    left join usage_window on tenure.customer_id = usage_window.customer_id
    left join withdrawals on tenure.customer_id = withdrawals.customer_id
    where withdrawals.customer_id is null  -- profiling consent withdrawn: not profiled

)

select * from final
