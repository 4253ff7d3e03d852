{#- Staged contact preferences that cannot declare anybody's preferred channel, with a reason
    code, for dq_quarantine: invalid_preference (no channel, or one outside the var
    consent_channels), quarantined_contact_record (the record was staged but not resolved to a
    person) and unknown_contact_record (no contact record with that source_system and
    source_record_id). int_customer_channels_preferred reads the others. -#}
with

preferences as (

    select * from {{ ref('stg_crm__contact_preferences') }}

),

raw_rows as (

    select
        _source_key as source_key,
        _key_rank as key_rank,
        _raw_record as raw_record,
        md5(concat_ws('|', _key_source_system, _key_source_record_id, _key_stated_at)) as preference_id
    from {{ ref('base_crm__contact_preferences') }}
    where _quarantine_reason is null

),

-- the rejected rows only (the macro leaves out the rows whose record was resolved)
rejected as (

    {{ crm_segments.contact_record_reference_reason(
        'preferences',
        "preferences.preferred_channel is null
            or preferences.preferred_channel not in (" ~ crm_segments.sql_text_list(var('consent_channels')) ~ ")",
        'invalid_preference',
    ) }}

),

final as (

    select
        rejected.preference_id,
        rejected.source_system,
        rejected.source_record_id,
        rejected.reason_code,
        raw_rows.source_key,
        raw_rows.key_rank,
        raw_rows.raw_record
    from rejected
    inner join raw_rows
        on rejected.preference_id = raw_rows.preference_id

)

select * from final
