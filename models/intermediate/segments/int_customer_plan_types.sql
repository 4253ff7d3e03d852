{#- The plan types a person holds on the as-of date: active subscriptions (activated by then, not
    deactivated by then) on the accounts the person holds, counted by plan type. plan_type is
    postpaid, prepaid or mixed (both); NULL without an active subscription. Lets a campaign tool
    select "postpaid customers" from campaign_audience. -#}
with

active as (

    select
        customer_id,
        plan_type
    from {{ ref('int_subscriptions_resolved') }}
    where is_active

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
