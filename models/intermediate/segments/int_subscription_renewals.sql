{#- Contract position of every subscription under a contract on the as-of date (not deactivated
    by then, a contract end date in or after the as-of month, a monthly commitment). Months left
    count the as-of month as the first: a contract ending this month has 1 month left. Buckets:
      expiring_this_month      1 month left;
      expiring_in_2_3_months   2 to var('renewal_soon_max_months_left') months left;
      spend_above_commitment   more months left, and the cumulative spend (usage revenue of the
                               billed months up to the reference month) is above the commitment
                               of those months (monthly_commitment x billed months).
    Subscriptions in no bucket have renewal_bucket NULL. -#}
with

as_of as (

    select
        {{ crm_segments.as_of_date() }} as as_of_date,
        date_trunc('month', {{ crm_segments.as_of_date() }})::date as as_of_month,
        {{ crm_segments.reference_month() }} as reference_month

),

contracts as (

    select
        subs.subscription_id,
        subs.account_id,
        subs.customer_id,
        subs.plan_code,
        subs.plan_type,
        subs.activated_date,
        subs.contract_end_date,
        subs.monthly_commitment
    from {{ ref('int_subscriptions_resolved') }} as subs
    cross join as_of
    where
        subs.is_active
        and subs.contract_end_date >= as_of.as_of_month
        and subs.monthly_commitment is not null

),

spend as (

    select
        usages.subscription_id,
        count(*) as billed_months,
        coalesce(sum(usages.revenue), 0) as cumulative_spend
    from {{ ref('stg_crm__monthly_usages') }} as usages
    cross join as_of
    where
        usages.billing_month <= as_of.reference_month
        and exists (
            select 1 from contracts
            where contracts.subscription_id = usages.subscription_id
        )
    group by usages.subscription_id

),

measured as (

    select
        contracts.*,
        {{ crm_segments.month_index('contracts.contract_end_date') }}
        - {{ crm_segments.month_index('as_of.as_of_month') }} + 1 as months_left,
        {{ crm_segments.month_index('contracts.contract_end_date') }}
        - {{ crm_segments.month_index('contracts.activated_date') }} as contract_months,
        coalesce(spend.billed_months, 0) as billed_months,
        coalesce(spend.cumulative_spend, 0) as cumulative_spend,
        contracts.monthly_commitment * coalesce(spend.billed_months, 0) as cumulative_commitment
    from contracts
    cross join as_of
    left join spend on contracts.subscription_id = spend.subscription_id

),

final as (

    select
        subscription_id,
        account_id,
        customer_id,
        plan_code,
        plan_type,
        activated_date,
        contract_end_date,
        monthly_commitment,
        months_left,
        contract_months,
        billed_months,
        cumulative_spend,
        cumulative_commitment,
        monthly_commitment * contract_months as contract_commitment,
        cumulative_spend - cumulative_commitment as spend_above_commitment,
        case
            when months_left = 1 then 'expiring_this_month'
            when months_left <= {{ var('renewal_soon_max_months_left', 3) }} then 'expiring_in_2_3_months'
            when cumulative_spend > cumulative_commitment then 'spend_above_commitment'
        end as renewal_bucket
    from measured

)

select * from final
