{#- Persons who withdrew `profiling` consent: neither used to fit the clusters nor scored.
    SPEC section 3 "Consent and channel": the current state per person, channel and purpose is
    the latest event across all of the person's records; on a tie, withdraw wins. A person whose
    current profiling state is withdrawn on any channel objects to profiling.
    MERGE NOTE: this model stands in for issue 4's customer_consent; its body can become
    `select ... from customer_consent where purpose = 'profiling' and consent_state = 'withdrawn'`. -#}

with

consent_events as (

    select * from {{ ref('stg_crm__consent_events') }}

),

contact_records as (

    select * from {{ ref('int_contacts_resolved') }}

),

profiling_events as (

    select
        contact_records.customer_id,
        consent_events.event_id,
        consent_events.action,
        consent_events.event_at,
        coalesce(consent_events.channel, 'unknown') as channel
    from consent_events
    inner join contact_records
        on
            consent_events.source_system = contact_records.source_system
            and consent_events.source_record_id = contact_records.source_record_id
    where
        consent_events.purpose = 'profiling'
        and consent_events.action in ('grant', 'withdraw')
        and consent_events.event_at is not null

),

current_state as (

    -- latest event per person and channel; on a tie withdraw sorts first
    select distinct on (customer_id, channel)
        customer_id,
        channel,
        action,
        event_at
    from profiling_events
    order by customer_id asc, channel asc, event_at desc, (action = 'withdraw') desc, event_id asc

)

select
    customer_id,
    string_agg(channel, ', ' order by channel) as withdrawn_channels,
    max(event_at) as last_withdrawn_at
from current_state
where action = 'withdraw'
group by customer_id
