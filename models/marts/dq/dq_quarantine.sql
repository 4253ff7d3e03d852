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

-- erasure: rows of erased persons lose their PII values
erased_rows as (

    select quarantine_id from {{ ref('int_quarantined_rows_erased') }}

),

final as (

    select
        quarantined.quarantine_id,
        quarantined.source_table,
        quarantined.source_key,
        quarantined.reason_code,
        case
            when erased_rows.quarantine_id is not null
                then (quarantined.raw_record - array[{{ crm_segments.sql_text_list(var('pii_raw_fields')) }}]::text[])
                    || '{"_pii_erased": true}'::jsonb
            else quarantined.raw_record
        end as raw_record,
        '{{ run_started_at.isoformat() }}'::timestamptz as quarantined_at
    from quarantined
    left join erased_rows
        on quarantined.quarantine_id = erased_rows.quarantine_id

)

select * from final
