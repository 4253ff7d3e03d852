{#- Every person on every channel of var consent_channels: reachable (an address the channel
    can use), the current marketing consent state, in campaign_audience now (may be contacted)
    and whether it is the preferred channel. No address here (that is personal data, in
    campaign_audience): the counts by channel that BI, the report and the semantic layer need
    (reachable persons, audience size). -#}
with

reachable as (

    select * from {{ ref('int_customer_channels_reachable') }}

),

consents as (

    select * from {{ ref('int_customer_consents_current') }}
    where purpose = 'marketing'

),

preferred as (

    select * from {{ ref('int_customer_channels_preferred') }}

),

audience as (

    select
        customer_id,
        channel
    from {{ ref('campaign_audience') }}

),

final as (

    select
        reachable.customer_id,
        reachable.channel,
        reachable.address_type,
        coalesce(reachable.is_reachable, false) as is_reachable,
        coalesce(consents.consent_state, 'unknown') as marketing_consent_state,
        coalesce(consents.is_granted, false) as has_marketing_consent,
        audience.customer_id is not null as is_in_audience,
        coalesce(preferred.preferred_channel = reachable.channel, false) as is_preferred_channel,
        {{ crm_segments.as_of_date() }} as as_of_date
    from reachable
    left join consents
        on
            reachable.customer_id = consents.customer_id
            and reachable.channel = consents.channel
    left join preferred
        on reachable.customer_id = preferred.customer_id
    left join audience
        on
            reachable.customer_id = audience.customer_id
            and reachable.channel = audience.channel

)

select * from final
