with

periods as (

    select * from {{ ref('int_consent_states_historized') }}

),

final as (

    select
        consent_period_id,
        customer_id,
        channel,
        purpose,
        consent_state,
        valid_from,
        valid_to,
        expires_at,
        decided_by_source_system,
        decided_by_source_record_id,
        decided_by_event_id
    from periods

)

select * from final
