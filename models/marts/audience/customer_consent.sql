with

consents as (

    select * from {{ ref('int_customer_consents_current') }}

),

final as (

    select
        customer_id,
        channel,
        purpose,
        consent_state,
        state_since,
        expires_at,
        decided_by_source_system,
        decided_by_source_record_id,
        decided_by_event_id,
        is_granted
    from consents

)

select * from final
