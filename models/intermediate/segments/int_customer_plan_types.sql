{#- The plan types a person holds on the as-of date: active subscriptions (activated by then, not
    deactivated by then) on the accounts the person holds, counted by plan type. plan_type is
    postpaid, prepaid or mixed (both); NULL without an active subscription. Lets a campaign tool
    select "postpaid customers" from campaign_audience. -#}
with

as_of as (

    select {{ crm_segments.segments_as_of_date() }} as as_of_date

),

active as (

    select
        holders.customer_id,
        subs.plan_type
    from {{ ref('stg_crm__subscriptions') }} as subs
    inner join {{ ref('int_accounts_resolved') }} as holders on subs.account_id = holders.account_id
    cross join as_of
    where
        {{ crm_segments.utc_date('subs.activated_at') }} <= as_of.as_of_date
        and (subs.deactivated_at is null or {{ crm_segments.utc_date('subs.deactivated_at') }} > as_of.as_of_date)

),

final as (

    select
        customer_id,
        count(*) filter (where plan_type = 'postpaid') as postpaid_subscriptions,
        count(*) filter (where plan_type = 'prepaid') as prepaid_subscriptions,
        case
            when bool_or(plan_type = 'postpaid') and bool_or(plan_type = 'prepaid') then 'mixed'
            when bool_or(plan_type = 'postpaid') then 'postpaid'
            when bool_or(plan_type = 'prepaid') then 'prepaid'
        end as plan_type
    from active
    group by customer_id

)

select * from final
