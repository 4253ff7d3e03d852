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

resolved as (

    select
        source_system,
        source_record_id
    from {{ ref('int_contacts_resolved') }}

),

-- every contact key that reached staging (a quarantined duplicate shares its key with the
-- staged row; rows without a readable key cannot be named by an event)
known_records as (

    select
        source_system,
        source_record_id
    from {{ ref('stg_crm__contacts') }}

),

classified as (

    select
        events.event_id,
        events.source_system,
        events.source_record_id,
        case
            when
                events.channel is null
                or events.channel not in ({{ crm_segments.sql_text_list(var('consent_channels')) }})
                or events.purpose is null
                or events.purpose not in ({{ crm_segments.sql_text_list(var('consent_purposes')) }})
                or events.action is null
                or events.action not in ('grant', 'withdraw')
                or events.event_at is null
                then 'invalid_consent_event'
            when resolved.source_record_id is not null then null
            when known_records.source_record_id is not null then 'quarantined_contact_record'
            else 'unknown_contact_record'
        end as reason_code
    from events
    left join resolved
        on
            events.source_system = resolved.source_system
            and events.source_record_id = resolved.source_record_id
    left join known_records
        on
            events.source_system = known_records.source_system
            and events.source_record_id = known_records.source_record_id

),

final as (

    select
        classified.event_id,
        classified.source_system,
        classified.source_record_id,
        classified.reason_code,
        raw_rows.source_key,
        raw_rows.key_rank,
        raw_rows.raw_record
    from classified
    inner join raw_rows
        on classified.event_id = raw_rows.event_id
    where classified.reason_code is not null

)

select * from final
