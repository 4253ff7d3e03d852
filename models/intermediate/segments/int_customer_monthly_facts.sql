{#- Person x month facts: the base every segment reads, computed once, for every month from the
    first usage month up to the reference month (the last complete month on or before the
    as-of date). Account-level facts reach a person through int_accounts_resolved (the account
    holder). A plain table, recomputed by every build: a month's facts depend on every account's
    holder, which entity resolution may change with any new contact record, so keeping earlier
    months from an earlier build would serve stale facts (issue 10). -#}
-- `month` is the column name of the interface (issue 6 reads it): allow the keyword
-- noqa: disable=RF04
{{
    config(
        post_hook='analyze {{ this }}',
    )
}}
with

-- the only read of usage: the first usage month (start of the month spine) and the billed
-- subscription months below both read this CTE, so PostgreSQL scans the table once
usages as (

    select
        subscription_id,
        billing_month,
        revenue,
        cost,
        voice_minutes,
        sms_count,
        data_mb,
        roaming_revenue
    from {{ ref('stg_crm__monthly_usages') }}

),

bounds as (

    select
        (select min(first_usage.billing_month) from usages as first_usage) as start_month,
        {{ crm_segments.reference_month() }} as end_month

),

months as (

    select generated.month::date as month
    from bounds
    cross join lateral generate_series(
        bounds.start_month, bounds.end_month, interval '1 month'
    ) as generated (month)

),

holders as (

    select
        account_id,
        customer_id
    from {{ ref('int_accounts_resolved') }}

),

subscriptions as (

    select
        subscription_id,
        customer_id,
        activated_date,
        deactivated_date
    from {{ ref('int_subscriptions_resolved') }}

),

-- a subscription is active in a month when its activation-deactivation span touches the month
subscription_months as (

    select
        subscriptions.customer_id,
        months.month,
        subscriptions.subscription_id
    from subscriptions
    inner join months
        on subscriptions.activated_date < (months.month + interval '1 month')
            and (subscriptions.deactivated_date is null or subscriptions.deactivated_date >= months.month)

),

-- a person's subscription in a month: billed in it (a usage row; the month must be in the
-- spine), or active by its dates. Active = either (an unreadable activation date must not make
-- a paying subscription disappear); billed = a usage row
subscription_month_rows as (

    select
        subscriptions.customer_id,
        usages.billing_month as month,
        usages.subscription_id,
        true as is_billed,
        usages.revenue,
        usages.cost,
        usages.voice_minutes,
        usages.sms_count,
        usages.data_mb,
        usages.roaming_revenue
    from usages
    inner join subscriptions on usages.subscription_id = subscriptions.subscription_id
    inner join months on usages.billing_month = months.month
    union all
    select
        customer_id,
        month,
        subscription_id,
        false as is_billed,
        null as revenue,
        null as cost,
        null as voice_minutes,
        null as sms_count,
        null as data_mb,
        null as roaming_revenue
    from subscription_months

),

-- usage sums and subscription counts per person and month, in one aggregation
subscriptions_by_month as (

    select
        customer_id,
        month,
        coalesce(sum(revenue), 0) as revenue,
        coalesce(sum(cost), 0) as cost,
        coalesce(sum(voice_minutes), 0) as voice_mou,
        coalesce(sum(sms_count), 0) as sms_count,
        coalesce(sum(data_mb), 0) as data_mb,
        coalesce(sum(roaming_revenue), 0) as roaming_revenue,
        count(distinct subscription_id) as active_subscriptions,
        count(distinct subscription_id) filter (where is_billed) as billed_subscriptions
    from subscription_month_rows
    group by customer_id, month

),

transactions as (

    select
        holders.customer_id,
        {{ crm_segments.utc_month('txn.transaction_at') }} as month,
        txn.transaction_type,
        txn.amount * rates.rate_to_reporting as amount_reporting
    from {{ ref('stg_crm__transactions') }} as txn
    inner join holders on txn.account_id = holders.account_id
    left join {{ ref('currency_rates') }} as rates on txn.currency = rates.currency

),

transactions_by_month as (

    select
        transactions.customer_id,
        transactions.month,
        count(*) as transaction_count,
        coalesce(sum(transactions.amount_reporting), 0) as transaction_amount,
        count(*) filter (where transactions.transaction_type = 'topup') as topup_count,
        coalesce(
            sum(transactions.amount_reporting) filter (where transactions.transaction_type = 'topup'), 0
        ) as topup_amount
    from transactions
    inner join months on transactions.month = months.month
    group by transactions.customer_id, transactions.month

),

interactions_by_month as (

    select
        holders.customer_id,
        {{ crm_segments.utc_month('interactions.started_at') }} as month,
        count(*) as interaction_count,
        count(*) filter (
            where interactions.reason_code in (
                '{{ var("complaint_reason_codes", ["complaint"]) | join("', '") }}'
            )
        ) as complaint_count
    from {{ ref('stg_crm__interactions') }} as interactions
    inner join holders on interactions.account_id = holders.account_id
    inner join months on {{ crm_segments.utc_month('interactions.started_at') }} = months.month
    group by holders.customer_id, {{ crm_segments.utc_month('interactions.started_at') }}

),

nps_ranked as (

    select
        holders.customer_id,
        {{ crm_segments.utc_month('nps.responded_at') }} as month,
        nps.score,
        count(*) over (
            partition by holders.customer_id, {{ crm_segments.utc_month('nps.responded_at') }}
        ) as nps_response_count,
        row_number() over (
            partition by holders.customer_id, {{ crm_segments.utc_month('nps.responded_at') }}
            order by nps.responded_at desc, nps.response_id desc
        ) as recency_rank
    from {{ ref('stg_crm__nps_responses') }} as nps
    inner join holders on nps.account_id = holders.account_id
    inner join months on {{ crm_segments.utc_month('nps.responded_at') }} = months.month
    where nps.score is not null

),

nps_by_month as (

    select
        customer_id,
        month,
        score as nps_score,
        nps_response_count
    from nps_ranked
    where recency_rank = 1

),

person_months as (

    select
        customer_id,
        month
    from subscriptions_by_month
    union
    select
        customer_id,
        month
    from transactions_by_month
    union
    select
        customer_id,
        month
    from interactions_by_month
    union
    select
        customer_id,
        month
    from nps_by_month

),

final as (

    select
        person_months.customer_id,
        person_months.month,
        nps_by_month.nps_score,
        coalesce(subscriptions_by_month.revenue, 0) as revenue,
        coalesce(subscriptions_by_month.cost, 0) as cost,
        coalesce(subscriptions_by_month.revenue, 0) - coalesce(subscriptions_by_month.cost, 0) as margin,
        coalesce(subscriptions_by_month.revenue, 0)
        / nullif(subscriptions_by_month.active_subscriptions, 0) as arpu,
        coalesce(subscriptions_by_month.voice_mou, 0) as voice_mou,
        coalesce(subscriptions_by_month.sms_count, 0) as sms_count,
        coalesce(subscriptions_by_month.data_mb, 0) as data_mb,
        coalesce(subscriptions_by_month.roaming_revenue, 0) as roaming_revenue,
        coalesce(subscriptions_by_month.active_subscriptions, 0) as active_subscriptions,
        coalesce(subscriptions_by_month.billed_subscriptions, 0) as billed_subscriptions,
        coalesce(transactions_by_month.transaction_count, 0) as transaction_count,
        coalesce(transactions_by_month.transaction_amount, 0) as transaction_amount,
        coalesce(transactions_by_month.topup_count, 0) as topup_count,
        coalesce(transactions_by_month.topup_amount, 0) as topup_amount,
        coalesce(interactions_by_month.interaction_count, 0) as interaction_count,
        coalesce(interactions_by_month.complaint_count, 0) as complaint_count,
        coalesce(nps_by_month.nps_response_count, 0) as nps_response_count
    from person_months
    left join subscriptions_by_month
        on person_months.customer_id = subscriptions_by_month.customer_id
            and person_months.month = subscriptions_by_month.month
    left join transactions_by_month
        on person_months.customer_id = transactions_by_month.customer_id
            and person_months.month = transactions_by_month.month
    left join interactions_by_month
        on person_months.customer_id = interactions_by_month.customer_id
            and person_months.month = interactions_by_month.month
    left join nps_by_month
        on person_months.customer_id = nps_by_month.customer_id
            and person_months.month = nps_by_month.month

)

select * from final
