{#- The consent state of every person for every channel (var consent_channels) and purpose
    (var consent_purposes) at the consent "now" (var as_of_date, else the current time): the
    history period that contains it; unknown when the person has no event for that channel
    and purpose yet. -#}
with

persons as (

    select distinct customer_id
    from {{ ref('int_contacts_resolved') }}

),

channels as (

    select unnest(array[{{ crm_segments.sql_text_list(var('consent_channels')) }}]::text[]) as channel

),

purposes as (

    select unnest(array[{{ crm_segments.sql_text_list(var('consent_purposes')) }}]::text[]) as purpose

),

current_periods as (

    select * from {{ ref('int_consent_states_historized') }}
    where
        valid_from <= {{ crm_segments.as_of_at() }}
        and (valid_to is null or valid_to > {{ crm_segments.as_of_at() }})

),

final as (

    select
        persons.customer_id,
        channels.channel,
        purposes.purpose,
        current_periods.valid_from as state_since,
        current_periods.expires_at,
        current_periods.decided_by_event_id,
        current_periods.decided_by_source_system,
        current_periods.decided_by_source_record_id,
        coalesce(current_periods.consent_state, 'unknown') as consent_state,
        coalesce(current_periods.consent_state = 'granted', false) as is_granted
    from persons
    cross join channels
    cross join purposes
    left join current_periods
        on
            persons.customer_id = current_periods.customer_id
            and channels.channel = current_periods.channel
            and purposes.purpose = current_periods.purpose

)

select * from final
