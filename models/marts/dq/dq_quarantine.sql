with

quarantined as (

    select * from {{ ref('int_source_rows_quarantined') }}

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
