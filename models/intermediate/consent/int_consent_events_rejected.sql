{#- Staged consent events that cannot decide anybody's consent, with a reason code, for
    dq_quarantine: invalid_consent_event (channel, purpose or action outside the contract, or
    an unreadable event time), quarantined_contact_record (the record exists but was not
    resolved to a person: unidentifiable, or its row was quarantined) and unknown_contact_record
    (no contact record with that source_system and source_record_id). -#}
with

events as (

    select * from {{ ref('stg_crm__consent_events') }}

),

raw_rows as (

    select
        _key_event_id as event_id,
        _source_key as source_key,
        _key_rank as key_rank,
        _raw_record as raw_record
    from {{ ref('base_crm__consent_events') }}
    where _quarantine_reason is null

),

-- the rejected rows only (the macro leaves out the rows whose record was resolved)
rejected as (

    {{ crm_segments.contact_record_reference_reason(
        'events',
        "events.channel is null
            or events.channel not in (" ~ crm_segments.sql_text_list(var('consent_channels')) ~ ")
            or events.purpose is null
            or events.purpose not in (" ~ crm_segments.sql_text_list(var('consent_purposes')) ~ ")
            or events.action is null
            or events.action not in ('grant', 'withdraw')
            or events.event_at is null",
        'invalid_consent_event',
    ) }}

),

final as (

    select
        rejected.event_id,
        rejected.source_system,
        rejected.source_record_id,
        rejected.reason_code,
        raw_rows.source_key,
        raw_rows.key_rank,
        raw_rows.raw_record
    from rejected
    inner join raw_rows
        on rejected.event_id = raw_rows.event_id

)

select * from final
