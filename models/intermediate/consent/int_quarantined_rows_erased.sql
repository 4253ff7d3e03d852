{#- Quarantined raw rows that belong to an erased person, so that dq_quarantine can remove
    their PII values: rows naming a contact record (source_system, source_record_id) that was
    resolved to the person, rows naming an account the person holds, and rows carrying one of
    the person's usable e-mails or valid national ids (e.g. a copy of their record without a
    key). -#}
with

quarantined as (

    select
        quarantine_id,
        {{ crm_segments.normalize_code("raw_record ->> 'source_system'") }} as source_system,
        {{ crm_segments.trimmed("raw_record ->> 'source_record_id'") }} as source_record_id,
        {{ crm_segments.trimmed("raw_record ->> 'account_id'") }} as account_id,
        {{ crm_segments.standardize_email("raw_record ->> 'email'") }} as email,
        {{ crm_segments.standardize_national_id("raw_record ->> 'national_id'") }} as national_id
    from {{ ref('int_source_rows_quarantined') }}
    -- offset 0 is a fence: each value is standardized once, not once per comparison
    offset 0  -- noqa: AM09

),

erased_records as (

    select records.*
    from {{ ref('int_contacts_resolved') }} as records
    inner join {{ ref('int_customers_erased') }} as erased
        on records.customer_id = erased.customer_id

),

by_record as (

    select quarantined.quarantine_id
    from quarantined
    inner join erased_records
        on
            quarantined.source_system = erased_records.source_system
            and quarantined.source_record_id = erased_records.source_record_id

),

by_account as (

    select quarantined.quarantine_id
    from quarantined
    inner join {{ ref('int_accounts_resolved') }} as holders
        on quarantined.account_id = holders.account_id
    inner join {{ ref('int_customers_erased') }} as erased
        on holders.customer_id = erased.customer_id

),

by_email as (

    select quarantined.quarantine_id
    from quarantined
    inner join erased_records
        on quarantined.email = erased_records.email
    where erased_records.is_email_usable

),

by_national_id as (

    select quarantined.quarantine_id
    from quarantined
    inner join erased_records
        on quarantined.national_id = erased_records.national_id
    where erased_records.is_national_id_valid

),

final as (

    select quarantine_id from by_record
    union
    select quarantine_id from by_account
    union
    select quarantine_id from by_email
    union
    select quarantine_id from by_national_id

)

select * from final
