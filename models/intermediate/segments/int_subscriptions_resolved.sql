{#- Every staged subscription on an account with a holder (int_accounts_resolved), with the
    holder's customer_id, activation and deactivation dates (UTC) and its state on the as-of
    date: activated (activated on or before it) and active (activated and not deactivated by
    then). Tenure, plan types, renewals and lifecycle read subscriptions here, so "active on
    the as-of date" has one definition. Subscriptions of accounts without a holder are counted
    by the test assert_account_facts_have_a_holder. -#}
with

as_of as (

    select {{ crm_segments.as_of_date() }} as as_of_date

),

subscriptions as (

    select
        subs.subscription_id,
        subs.account_id,
        holders.customer_id,
        subs.plan_code,
        subs.plan_type,
        subs.monthly_commitment,
        subs.contract_end_date,
        {{ crm_segments.utc_date('subs.activated_at') }} as activated_date,
        {{ crm_segments.utc_date('subs.deactivated_at') }} as deactivated_date
    from {{ ref('stg_crm__subscriptions') }} as subs
    inner join {{ ref('int_accounts_resolved') }} as holders on subs.account_id = holders.account_id

),

final as (

    select
        subscriptions.*,
        coalesce(subscriptions.activated_date <= as_of.as_of_date, false) as is_activated,
        coalesce(
            subscriptions.activated_date <= as_of.as_of_date
            and (subscriptions.deactivated_date is null or subscriptions.deactivated_date > as_of.as_of_date),
            false
        ) as is_active
    from subscriptions
    cross join as_of

)

select * from final
