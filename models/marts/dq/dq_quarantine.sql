with

source_rows as (

    select * from {{ ref('int_source_rows_quarantined') }}

),

contact_records as (

    select * from {{ ref('int_contacts_quarantined') }}

),

quarantined as (

    -- rows that could not be staged (every raw table)
    select
        quarantine_id,
        source_table,
        source_key,
        reason_code,
        raw_record
    from source_rows

    union all

    -- staged contact records that identify nobody
    select
        quarantine_id,
        source_table,
        source_key,
        reason_code,
        raw_record
    from contact_records

),

final as (

    select
        quarantine_id,
        source_table,
        source_key,
        reason_code,
        raw_record,
        '{{ run_started_at.isoformat() }}'::timestamptz as quarantined_at
    from quarantined

)

select * from final
