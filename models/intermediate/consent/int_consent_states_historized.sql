{#- Consent history: every period of one state per person, channel and purpose, with
    valid_from (inclusive) and valid_to (exclusive; NULL = still open).

    All events of all the person's records are read in time order. At one instant only one
    event decides (withdraw wins a tie, then the smallest source_system, source_record_id,
    event_id). Each deciding event opens a period: granted or withdrawn. A marketing grant
    carries expires_at = event_at + var consent_validity_months; when no event follows before
    that, an expired period opens at expires_at. Profiling grants do not expire. Before a
    person's first event on a channel and purpose the state is unknown (no row). -#}
with

events as (

    select * from {{ ref('int_consent_events_resolved') }}

),

decisive as (

    select distinct on (customer_id, channel, purpose, event_at)
        event_id,
        customer_id,
        channel,
        purpose,
        action,
        event_at,
        source_system,
        source_record_id
    from events
    order by
        customer_id asc,
        channel asc,
        purpose asc,
        event_at asc,
        (action = 'withdraw') desc,
        source_system asc,
        source_record_id asc,
        event_id asc

),

sequenced as (

    select
        *,
        case when action = 'grant' then 'granted' else 'withdrawn' end as event_state,
        case
            when action = 'grant' and purpose = 'marketing'
                then event_at + interval '{{ var("consent_validity_months") }} months'
        end as expires_at,
        lead(event_at) over (partition by customer_id, channel, purpose order by event_at) as next_event_at
    from decisive

),

event_periods as (

    select
        customer_id,
        channel,
        purpose,
        event_state as consent_state,
        event_at as valid_from,
        case
            when expires_at < next_event_at or (expires_at is not null and next_event_at is null) then expires_at
            else next_event_at
        end as valid_to,
        expires_at,
        event_id as decided_by_event_id,
        source_system as decided_by_source_system,
        source_record_id as decided_by_source_record_id
    from sequenced

),

expiry_periods as (

    select
        customer_id,
        channel,
        purpose,
        'expired' as consent_state,
        expires_at as valid_from,
        next_event_at as valid_to,
        expires_at,
        event_id as decided_by_event_id,
        source_system as decided_by_source_system,
        source_record_id as decided_by_source_record_id
    from sequenced
    where expires_at < next_event_at or (expires_at is not null and next_event_at is null)

),

final as (

    select
        *,
        md5(concat_ws('|', customer_id, channel, purpose, consent_state, valid_from)) as consent_period_id
    from (
        select * from event_periods
        union all
        select * from expiry_periods
    ) as periods

)

select * from final
