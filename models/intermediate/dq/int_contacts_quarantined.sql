{#- Contact records that were staged but cannot be resolved into a person
    (int_contacts_unresolvable: no name and no usable e-mail, phone or national id), in the
    shape of int_source_rows_quarantined: raw table, raw key, reason and the raw values. -#}
with

unresolvable as (

    select * from {{ ref('int_contacts_unresolvable') }}

),

raw_rows as (

    select * from {{ ref('base_crm__contacts') }}
    where _quarantine_reason is null

),

final as (

    select
        'crm_contacts'::text as source_table,
        raw_rows._source_key as source_key,
        raw_rows._key_rank as key_rank,
        unresolvable.reason_code,
        raw_rows._raw_record as raw_record,
        unresolvable.contact_key,
        {{ crm_segments.quarantine_id('crm_contacts', 'raw_rows._source_key', 'raw_rows._key_rank') }} as quarantine_id
    from unresolvable
    inner join raw_rows
        on
            unresolvable.source_system = raw_rows._key_source_system
            and unresolvable.source_record_id = raw_rows._key_source_record_id

)

select * from final
