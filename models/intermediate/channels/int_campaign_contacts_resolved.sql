{#- Campaign contacts with the person they reached: the holder of the contacted account
    (int_accounts_resolved). Contacts of accounts that no resolved record names are left out
    (no person to attribute them to). -#}
with

contacts as (

    select * from {{ ref('stg_crm__campaign_contacts') }}

),

accounts as (

    select * from {{ ref('int_accounts_resolved') }}

),

final as (

    select
        contacts.contact_id,
        accounts.customer_id,
        contacts.campaign_id,
        contacts.account_id,
        contacts.channel,
        contacts.outcome,
        contacts.revenue,
        coalesce(contacts.is_control, false) as is_control,
        contacts.outcome in ({{ crm_segments.sql_text_list(var('response_outcomes')) }}) as is_response,
        contacts.outcome in ({{ crm_segments.sql_text_list(var('ignored_outcomes')) }}) as is_ignored,
        contacts.outcome = 'complained' as is_complaint,
        coalesce(
            contacts.outcome in ({{ crm_segments.sql_text_list(var('delivered_outcomes')) }}), false
        ) as is_delivered,
        coalesce(contacts.outcome in ({{ crm_segments.sql_text_list(var('conversion_outcomes')) }}), false)
            as is_conversion,
        coalesce(contacts.outcome = 'unsubscribed', false) as is_unsubscribe,
        contacts.contacted_at
    from contacts
    inner join accounts
        on contacts.account_id = accounts.account_id
    where contacts.contacted_at is not null

)

select * from final
