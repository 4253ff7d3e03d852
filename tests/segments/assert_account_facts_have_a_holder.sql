{{ config(severity='warn') }}
-- Account-level facts whose account has no holder in int_accounts_resolved (no contact record
-- names the account): they reach no person, so no segment counts them. One row per raw table
-- with the number of such rows; the warning makes the loss visible instead of silent.
{%- set account_tables = [
    ['subscriptions', 'stg_crm__subscriptions'],
    ['transactions', 'stg_crm__transactions'],
    ['interactions', 'stg_crm__interactions'],
    ['nps_responses', 'stg_crm__nps_responses'],
    ['campaign_contacts', 'stg_crm__campaign_contacts'],
    ['loyalty_events', 'stg_crm__loyalty_events'],
] %}
with

holders as (

    select account_id from {{ ref('int_accounts_resolved') }}

),

orphans as (

    {% for source_table, model in account_tables -%}
        select
            '{{ source_table }}' as source_table,
            count(*) as row_count
        from {{ ref(model) }} as facts
        where not exists (
                select 1 from holders
                where holders.account_id = facts.account_id
            )
        union all
    {% endfor -%}
    select
        'usage_monthly' as source_table,
        count(*) as row_count
    from {{ ref('stg_crm__monthly_usages') }} as usages
    inner join {{ ref('stg_crm__subscriptions') }} as subs on usages.subscription_id = subs.subscription_id
    where not exists (
            select 1 from holders
            where holders.account_id = subs.account_id
        )
    union all
    select
        'usage_monthly_without_subscription' as source_table,
        count(*) as row_count
    from {{ ref('stg_crm__monthly_usages') }} as usages
    where not exists (
            select 1 from {{ ref('stg_crm__subscriptions') }} as subs
            where subs.subscription_id = usages.subscription_id
        )

)

select * from orphans
where row_count > 0
