{#- Every raw crm_contacts row ends up in exactly one place: customer_source_map (resolved into
    a person) or dq_quarantine (rejected by staging, or unidentifiable). base_crm__contacts is
    a view over the raw table with one row per raw row, its raw key and its rank among rows
    sharing the key; a failing row is a raw row found in neither place, or in both. -#}
with

raw_rows as (

    select
        _key_source_system as source_system,
        _key_source_record_id as source_record_id,
        _raw_record as raw_record,
        _quarantine_reason is null as is_staged,
        {{ crm_segments.quarantine_id('crm_contacts', '_source_key', '_key_rank') }} as quarantine_id
    from {{ ref('base_crm__contacts') }}

),

mapped as (

    select
        source_system,
        source_record_id
    from {{ ref('customer_source_map') }}

),

quarantined as (

    select quarantine_id
    from {{ ref('dq_quarantine') }}
    where source_table = 'crm_contacts'

),

checked as (

    select
        raw_rows.raw_record,
        raw_rows.is_staged and mapped.source_record_id is not null as is_mapped,
        quarantined.quarantine_id is not null as is_quarantined
    from raw_rows
    left join mapped
        on
            raw_rows.source_system = mapped.source_system
            and raw_rows.source_record_id = mapped.source_record_id
    left join quarantined
        on raw_rows.quarantine_id = quarantined.quarantine_id

)

select * from checked
where is_mapped = is_quarantined
