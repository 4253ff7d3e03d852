{#- Quarantined raw rows that belong to an erased person, so that dq_quarantine can remove
    their PII values: rows naming a contact record (source_system, source_record_id) that was
    resolved to the person, and rows naming an account the person holds. -#}
with

quarantined as (

    select
        quarantine_id,
        {{ crm_segments.normalize_code("raw_record ->> 'source_system'") }} as source_system,
        {{ crm_segments.trimmed("raw_record ->> 'source_record_id'") }} as source_record_id,
        {{ crm_segments.trimmed("raw_record ->> 'account_id'") }} as account_id
    from {{ ref('int_source_rows_quarantined') }}

),

erased as (

    select customer_id from {{ ref('int_customers_erased') }}

),

erased_records as (

    select
        records.source_system,
        records.source_record_id
    from {{ ref('int_contacts_resolved') }} as records
    inner join erased
        on records.customer_id = erased.customer_id

),

erased_accounts as (

    select holders.account_id
    from {{ ref('int_accounts_resolved') }} as holders
    inner join erased
        on holders.customer_id = erased.customer_id

),

final as (

    select quarantined.quarantine_id
    from quarantined
    where
        exists (
            select 1 from erased_records
            where
                erased_records.source_system = quarantined.source_system
                and erased_records.source_record_id = quarantined.source_record_id
        )
        or exists (
            select 1 from erased_accounts
            where erased_accounts.account_id = quarantined.account_id
        )

)

select * from final
