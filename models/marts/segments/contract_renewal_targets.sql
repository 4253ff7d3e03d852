{#- Contracts to renew, by bucket: the subscriptions of int_subscription_renewals that fall in
    one of the three buckets (expiring this month, expiring in 2-3 months, still under contract
    with cumulative spend above the commitment), with the figures a retention offer needs. -#}
with

as_of as (

    select {{ crm_segments.as_of_date() }} as as_of_date

),

final as (

    select
        renewals.subscription_id,
        renewals.customer_id,
        renewals.account_id,
        renewals.renewal_bucket,
        renewals.plan_code,
        renewals.plan_type,
        renewals.activated_date,
        renewals.contract_end_date,
        renewals.months_left,
        renewals.contract_months,
        renewals.monthly_commitment,
        renewals.contract_commitment,
        renewals.billed_months,
        renewals.cumulative_spend,
        renewals.cumulative_commitment,
        renewals.spend_above_commitment,
        as_of.as_of_date
    from {{ ref('int_subscription_renewals') }} as renewals
    cross join as_of
    where renewals.renewal_bucket is not null

)

select * from final
