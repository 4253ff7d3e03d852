{#- Staged consent events that can be used: a SPEC channel, a known purpose, a grant or a
    withdrawal with a readable time, on a contact record that was resolved to a person. The
    others are in int_consent_events_rejected (and so in dq_quarantine). -#}
with

events as (

    select * from {{ ref('stg_crm__consent_events') }}

),

records as (

    select
        contact_key,
        source_system,
        source_record_id,
        customer_id
    from {{ ref('int_contacts_resolved') }}

),

final as (

    select
        events.event_id,
        records.customer_id,
        records.contact_key,
        events.source_system,
        events.source_record_id,
        events.channel,
        events.purpose,
        events.action,
        events.captured_via,
        events.event_at
    from events
    inner join records
        on
            events.source_system = records.source_system
            and events.source_record_id = records.source_record_id
    where
        events.channel in ({{ crm_segments.sql_text_list(var('consent_channels')) }})
        and events.purpose in ({{ crm_segments.sql_text_list(var('consent_purposes')) }})
        and events.action in ('grant', 'withdraw')
        and events.event_at is not null

)

select * from final
