{#- RFM scores per account holder over transactions in the var('rfm_window_months') months up to the
    as-of date. Scores 1..var('rfm_score_buckets') by rank quantile (macro rank_score: ties share
    the lower score, so equal values never get different scores). The scored population is the
    customers with at least one transaction in the window; the others score 1/1/1 (Lost).
    fm_score = (f_score + m_score) / 2 rounded half up is the column of the segment map
    (applied in int_customer_rfm). -#}
with

as_of as (

    select
        {{ crm_segments.as_of_date() }} as as_of_date,
        (
            {{ crm_segments.as_of_date() }}
            - interval '{{ var("rfm_window_months", 12) }} month'
        )::date as window_start_after

),

holders as (

    select
        account_id,
        customer_id
    from {{ ref('int_accounts_resolved') }}

),

customers as (

    select distinct customer_id from holders

),

transactions as (

    select
        holders.customer_id,
        {{ crm_segments.utc_date('txn.transaction_at') }} as transaction_date,
        txn.amount * rates.rate_to_reporting as amount_reporting
    from {{ ref('stg_crm__transactions') }} as txn
    inner join holders on txn.account_id = holders.account_id
    left join {{ ref('currency_rates') }} as rates on txn.currency = rates.currency
    cross join as_of
    where {{ crm_segments.utc_date('txn.transaction_at') }} <= as_of.as_of_date

),

measured as (

    select
        transactions.customer_id,
        max(transactions.transaction_date) as last_transaction_date,
        count(*) filter (
            where transactions.transaction_date > as_of.window_start_after
        ) as frequency,
        coalesce(sum(transactions.amount_reporting) filter (
            where transactions.transaction_date > as_of.window_start_after
        ), 0) as monetary
    from transactions
    cross join as_of
    group by transactions.customer_id

),

population as (

    select
        measured.customer_id,
        measured.last_transaction_date,
        measured.frequency,
        measured.monetary,
        as_of.as_of_date - measured.last_transaction_date as recency_days
    from measured
    cross join as_of
    where measured.frequency > 0

),

scored as (

    select
        customer_id,
        last_transaction_date,
        recency_days,
        frequency,
        monetary,
        {{ crm_segments.rank_score('recency_days desc', 'count(*) over ()', var('rfm_score_buckets', 5)) }} as r_score,
        {{ crm_segments.rank_score('frequency asc', 'count(*) over ()', var('rfm_score_buckets', 5)) }} as f_score,
        {{ crm_segments.rank_score('monetary asc', 'count(*) over ()', var('rfm_score_buckets', 5)) }} as m_score
    from population

),

all_customers as (

    select
        customers.customer_id,
        coalesce(scored.last_transaction_date, measured.last_transaction_date) as last_transaction_date,
        coalesce(scored.recency_days, as_of.as_of_date - measured.last_transaction_date) as recency_days,
        coalesce(scored.frequency, 0) as frequency,
        coalesce(scored.monetary, 0) as monetary,
        coalesce(scored.r_score, 1) as r_score,
        coalesce(scored.f_score, 1) as f_score,
        coalesce(scored.m_score, 1) as m_score,
        scored.customer_id is not null as is_scored
    from customers
    cross join as_of
    left join scored on customers.customer_id = scored.customer_id
    left join measured on customers.customer_id = measured.customer_id

),

final as (

    select
        customer_id,
        last_transaction_date,
        recency_days,
        frequency,
        monetary,
        r_score,
        f_score,
        m_score,
        is_scored,
        (f_score + m_score + 1) / 2 as fm_score
    from all_customers

)

select * from final
