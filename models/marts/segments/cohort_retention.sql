{#- Activation cohorts (month of a person's first activation) by months since activation, over
    the months the monthly facts cover (the first usage month to the reference month). Older
    cohorts enter the table at the months since activation of the first covered month
    (is_observed_from_activation false): their cumulative revenue starts there. -#}
-- noqa: disable=RF04
with

-- not materialized: a CTE read twice is written out first (at 1M customers 17 M
-- person-months, to find the first month)
facts as not materialized (

    select * from {{ ref('int_customer_monthly_facts') }}

),

cohorts as (

    select
        customer_id,
        cohort_month
    from {{ ref('int_customer_tenure') }}

),

cohort_sizes as (

    select
        cohort_month,
        count(*) as customers_at_start
    from cohorts
    group by cohort_month

),

bounds as (

    select
        min(facts.month) as first_month,
        {{ crm_segments.reference_month() }} as reference_month
    from facts

),

months as (

    select generated.month::date as month
    from bounds
    cross join lateral generate_series(bounds.first_month, bounds.reference_month, interval '1 month')
        as generated (month)

),

cohort_months as (

    select
        cohort_sizes.cohort_month,
        months.month,
        cohort_sizes.customers_at_start,
        cohort_sizes.cohort_month >= bounds.first_month as is_observed_from_activation
    from cohort_sizes
    cross join bounds
    inner join months on cohort_sizes.cohort_month <= months.month

),

activity as (

    select
        cohorts.cohort_month,
        facts.month,
        count(*) filter (where facts.active_subscriptions > 0) as active_customers,
        sum(facts.revenue) as revenue
    from facts
    inner join cohorts on facts.customer_id = cohorts.customer_id
    group by cohorts.cohort_month, facts.month

),

final as (

    select
        cohort_months.cohort_month,
        (
            {{ crm_segments.month_index('cohort_months.month') }}
            - {{ crm_segments.month_index('cohort_months.cohort_month') }}
        )::int as months_since_activation,
        cohort_months.month as activity_month,
        cohort_months.customers_at_start::int as customers_at_start,
        coalesce(activity.active_customers, 0)::int as active_customers,
        round(coalesce(activity.active_customers, 0)::numeric / cohort_months.customers_at_start, 4)
            as retention_rate,
        coalesce(activity.revenue, 0) as revenue,
        sum(coalesce(activity.revenue, 0)) over (
            partition by cohort_months.cohort_month
            order by cohort_months.month
            rows between unbounded preceding and current row
        ) as cumulative_revenue,
        cohort_months.is_observed_from_activation
    from cohort_months
    left join activity
        on cohort_months.cohort_month = activity.cohort_month
            and cohort_months.month = activity.month

)

select * from final
