{#- Who may be contacted now, person × channel: a usable address on the channel, a current
    marketing grant for the channel, no active person-level suppression, no active
    suppression of the address, not in the global control group, and no contact-pressure
    block (30-day cap, 7-day channel cap, complaint quiet period, rest after ignored
    contacts). The segment labels of customer_segments and the person's plan type ride along so
    that the campaign role, which reads nothing else, can filter on them, and so does how to
    address the person (int_customer_greetings: first name, salutation, greeting, language). -#}
with

reachable as (

    select * from {{ ref('int_customer_channels_reachable') }}
    where is_reachable

),

consents as (

    select * from {{ ref('int_customer_consents_current') }}
    where purpose = 'marketing' and is_granted

),

suppressions as (

    select * from {{ ref('int_suppressions_resolved') }}
    where is_active and customer_id is not null

),

suppressed_persons as (

    select distinct customer_id
    from suppressions
    where suppression_level = 'person'

),

suppressed_addresses as (

    select distinct
        scope_type,
        scope_address
    from suppressions
    where suppression_level = 'address'

),

pressure as (

    select * from {{ ref('int_contact_pressure_measured') }}

),

control_group as (

    select customer_id from {{ ref('global_control_group') }}

),

preferred as (

    select * from {{ ref('int_customer_channels_preferred') }}

),

-- the segment labels campaign tools filter on (issues 5 and 6)
segments as (

    select * from {{ ref('customer_segments') }}

),

plan_types as (

    select * from {{ ref('int_customer_plan_types') }}

),

-- how to address the person in the message (issue 14)
greetings as (

    select * from {{ ref('int_customer_greetings') }}

),

final as (

    select
        reachable.customer_id,
        reachable.channel,
        reachable.address,
        reachable.address_type,
        coalesce(preferred.preferred_channel = reachable.channel, false) as is_preferred_channel,
        consents.state_since as consent_granted_at,
        consents.expires_at as consent_expires_at,
        coalesce(pressure.contacts_30d, 0) as contacts_30d,
        coalesce(pressure.channel_contacts_7d, 0) as channel_contacts_7d,
        {{ crm_segments.as_of_at() }} as audience_as_of,
        segments.lifecycle_stage,
        segments.rfm_segment,
        segments.value_tier,
        segments.tenure_band,
        segments.traffic_light,
        segments.renewal_bucket,
        segments.cluster_label,
        plan_types.plan_type,
        greetings.first_name,
        greetings.salutation,
        greetings.greeting,
        greetings.language_code,
        greetings.locale
    from reachable
    inner join consents
        on
            reachable.customer_id = consents.customer_id
            and reachable.channel = consents.channel
    left join preferred
        on reachable.customer_id = preferred.customer_id
    left join segments
        on reachable.customer_id = segments.customer_id
    left join plan_types
        on reachable.customer_id = plan_types.customer_id
    left join greetings
        on reachable.customer_id = greetings.customer_id
    left join pressure
        on
            reachable.customer_id = pressure.customer_id
            and reachable.channel = pressure.channel
    where
        not coalesce(pressure.is_pressure_blocked, false)
        and not exists (
            select 1 from suppressed_persons
            where suppressed_persons.customer_id = reachable.customer_id
        )
        and not exists (
            select 1 from suppressed_addresses
            where
                suppressed_addresses.scope_address = reachable.address
                and suppressed_addresses.scope_type = reachable.address_type
        )
        and not exists (
            select 1 from control_group
            where control_group.customer_id = reachable.customer_id
        )

)

select * from final
