{#- Person x month facts: the base every segment reads, computed once, for every month from the
    first usage month up to the reference month (the last complete month on or before the
    as-of date). Account-level facts reach a person through int_accounts_resolved (the account
    holder). A plain table, recomputed by every build: a month's facts depend on every account's
    holder, which entity resolution may change with any new contact record, so keeping earlier
    months from an earlier build would serve stale facts (issue 10). -#}
{#- The final aggregation sorts its rows instead of hashing them (for this statement only: `set
    local` ends with the transaction that writes the table). A person-month carries a dozen
    aggregate states, most of them numeric sums (about 1 kB): at 1M customers the 17 M groups
    hashed in 197 batches and spilled 2.7 GB, at 100k 21 batches. The sort spills about as
    much, but reads it back once: the model's query 145 / 151 s -> 116 / 119 s at 1M. -#}
{{ config(pre_hook="set local enable_hashagg = off") }}
-- `month` is the column name of the interface (issue 6 reads it): allow the keyword
-- noqa: disable=RF04
{# the stream of fact rows (fact_rows): every column and its type, then which CTE gives which
    columns; a kind of fact has NULL in the others -#}
{%- set fact_columns = {
    'is_billed': 'boolean',
    'revenue': 'numeric',
    'cost': 'numeric',
    'voice_minutes': 'numeric',
    'sms_count': 'bigint',
    'data_mb': 'numeric',
    'roaming_revenue': 'numeric',
    'transaction_type': 'text',
    'amount_reporting': 'numeric',
    'is_complaint': 'boolean',
    'nps_score': 'integer',
    'nps_response_count': 'bigint',
} -%}
{%- set fact_sources = [
    ('subscription', 'subscription_month_rows',
        ['is_billed', 'revenue', 'cost', 'voice_minutes', 'sms_count', 'data_mb', 'roaming_revenue']),
    ('transaction', 'transactions', ['transaction_type', 'amount_reporting']),
    ('interaction', 'interactions', ['is_complaint']),
    ('nps', 'nps_latest', ['nps_score', 'nps_response_count']),
] -%}
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

-- the months of the valid years (vars min_valid_year, max_valid_year: every staged date and the
-- as-of date lie in them) from the first usage month to the reference month. Constant bounds let
-- PostgreSQL estimate the spine (about a dozen months, where a series between two computed
-- bounds counts as 1,000): its joins below then neither spill nor batch (this model 21.6 ->
-- 18.8 s at 100k customers, same rows)
months as (

    select generated.month::date as month
    from generate_series(
            '{{ var("min_valid_year") }}-01-01'::timestamp,
            '{{ var("max_valid_year") }}-12-01'::timestamp,
            interval '1 month'
        ) as generated (month)
    where generated.month between (select bounds.start_month from bounds) and (select bounds.end_month from bounds)

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
-- a paying subscription disappear); billed = a usage row. Usage is unique per subscription and
-- month (its staging key) and so is the date span, so the full join gives one row per
-- subscription and month: the subscriptions are counted without a count(distinct), whose
-- sort per group was a third of this model's time
billed_months as (

    select
        subscriptions.customer_id,
        usages.billing_month as month,
        usages.subscription_id,
        usages.revenue,
        usages.cost,
        usages.voice_minutes,
        usages.sms_count,
        usages.data_mb,
        usages.roaming_revenue
    from usages
    inner join subscriptions on usages.subscription_id = subscriptions.subscription_id
    inner join months on usages.billing_month = months.month

),

subscription_month_rows as (

    select
        billed_months.revenue,
        billed_months.cost,
        billed_months.voice_minutes,
        billed_months.sms_count,
        billed_months.data_mb,
        billed_months.roaming_revenue,
        coalesce(billed_months.customer_id, subscription_months.customer_id) as customer_id,
        coalesce(billed_months.month, subscription_months.month) as month,
        billed_months.subscription_id is not null as is_billed
    from billed_months
    full outer join subscription_months
        on billed_months.subscription_id = subscription_months.subscription_id
            and billed_months.month = subscription_months.month

),

transactions as (

    select
        holders.customer_id,
        {{ crm_segments.utc_month('txn.transaction_at') }} as month,
        txn.transaction_type,
        txn.amount * rates.rate_to_reporting as amount_reporting
    from {{ ref('stg_crm__transactions') }} as txn
    inner join holders on txn.account_id = holders.account_id
    inner join months on {{ crm_segments.utc_month('txn.transaction_at') }} = months.month
    left join {{ ref('currency_rates') }} as rates on txn.currency = rates.currency

),

interactions as (

    select
        holders.customer_id,
        {{ crm_segments.utc_month('interactions.started_at') }} as month,
        interactions.reason_code in (
            '{{ var("complaint_reason_codes", ["complaint"]) | join("', '") }}'
        ) as is_complaint
    from {{ ref('stg_crm__interactions') }} as interactions
    inner join holders on interactions.account_id = holders.account_id
    inner join months on {{ crm_segments.utc_month('interactions.started_at') }} = months.month

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

nps_latest as (

    select
        customer_id,
        month,
        score as nps_score,
        nps_response_count
    from nps_ranked
    where recency_rank = 1

),

-- one row per fact (a subscription month, a transaction, an interaction, a person's latest NPS
-- answer of the month), each kind with its own columns, grouped once by person and month below
-- (one aggregation instead of four and the joins between them). The SELECTs are written by the
-- loop from fact_columns and fact_sources (top of the file); sqlfluff's indentation check cannot
-- follow a loop that writes whole statements (as in int_source_rows_quarantined)
-- noqa: disable=LT02
fact_rows as (
    {%- for fact, relation, columns in fact_sources %}

    select
        customer_id,
        month,
        '{{ fact }}' as fact,
        {%- for column, data_type in fact_columns.items() %}
        {{ column if column in columns else 'null::' ~ data_type ~ ' as ' ~ column }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),
-- noqa: enable=LT02

final as (

    select
        customer_id,
        month,
        max(nps_score) as nps_score,
        coalesce(sum(revenue), 0) as revenue,
        coalesce(sum(cost), 0) as cost,
        coalesce(sum(revenue), 0) - coalesce(sum(cost), 0) as margin,
        coalesce(sum(revenue), 0) / nullif(count(*) filter (where fact = 'subscription'), 0) as arpu,
        coalesce(sum(voice_minutes), 0) as voice_mou,
        coalesce(sum(sms_count), 0) as sms_count,
        coalesce(sum(data_mb), 0) as data_mb,
        coalesce(sum(roaming_revenue), 0) as roaming_revenue,
        count(*) filter (where fact = 'subscription') as active_subscriptions,
        count(*) filter (where is_billed) as billed_subscriptions,
        count(*) filter (where fact = 'transaction') as transaction_count,
        coalesce(sum(amount_reporting), 0) as transaction_amount,
        count(*) filter (where transaction_type = 'topup') as topup_count,
        coalesce(sum(amount_reporting) filter (where transaction_type = 'topup'), 0) as topup_amount,
        count(*) filter (where fact = 'interaction') as interaction_count,
        count(*) filter (where is_complaint) as complaint_count,
        coalesce(max(nps_response_count), 0) as nps_response_count
    from fact_rows
    group by customer_id, month

)

select * from final
