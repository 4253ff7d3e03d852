{#- The preferred channel of every person, among the channels with a current marketing grant
    and a usable address (eligible): 1. the latest declared preference (contact_preferences
    on any of the person's records), if eligible; else 2. the eligible channel with the best
    historical response rate (responses / non-control contacts, only rates above zero); else
    3. the first eligible channel in the var channel_priority. NULL when no channel is
    eligible. Ties in step 2 go to the var channel_priority. -#}
with

reachable as (

    select * from {{ ref('int_customer_channels_reachable') }}

),

consents as (

    select * from {{ ref('int_customer_consents_current') }}
    where purpose = 'marketing'

),

records as (

    select
        source_system,
        source_record_id,
        customer_id,
        source_priority_rank
    from {{ ref('int_contacts_resolved') }}

),

declared as (

    select distinct on (records.customer_id)
        records.customer_id,
        preferences.preferred_channel as declared_channel,
        preferences.stated_at as declared_at
    from {{ ref('stg_crm__contact_preferences') }} as preferences
    inner join records
        on
            preferences.source_system = records.source_system
            and preferences.source_record_id = records.source_record_id
    where preferences.preferred_channel in ({{ crm_segments.sql_text_list(var('consent_channels')) }})
    order by
        records.customer_id asc,
        preferences.stated_at desc nulls last,
        records.source_priority_rank asc,
        preferences.preference_id asc

),

response_rates as (

    select
        customer_id,
        channel,
        count(*) as contact_count,
        count(*) filter (where is_response) as response_count,
        (count(*) filter (where is_response))::numeric / count(*) as response_rate
    from {{ ref('int_campaign_contacts_resolved') }}
    where not is_control
    group by customer_id, channel

),

eligible as (

    select
        reachable.customer_id,
        reachable.channel,
        coalesce(declared.declared_channel = reachable.channel, false) as is_declared,
        response_rates.response_rate,
        {{ crm_segments.channel_priority_rank('reachable.channel') }} as priority_rank
    from reachable
    inner join consents
        on
            reachable.customer_id = consents.customer_id
            and reachable.channel = consents.channel
    left join declared
        on reachable.customer_id = declared.customer_id
    left join response_rates
        on
            reachable.customer_id = response_rates.customer_id
            and reachable.channel = response_rates.channel
    where reachable.is_reachable and consents.is_granted

),

chosen as (

    select distinct on (customer_id)
        customer_id,
        channel as preferred_channel,
        case
            when is_declared then 'declared'
            when response_rate > 0 then 'response_rate'
            else 'channel_priority'
        end as preferred_channel_rule
    from eligible
    order by
        customer_id asc,
        is_declared desc,
        -- a rate of zero is no better than no history: both fall to the priority list
        case when response_rate > 0 then response_rate end desc nulls last,
        priority_rank asc

),

persons as (

    select distinct customer_id from records

),

final as (

    select
        persons.customer_id,
        chosen.preferred_channel,
        chosen.preferred_channel_rule,
        declared.declared_channel,
        declared.declared_at
    from persons
    left join chosen
        on persons.customer_id = chosen.customer_id
    left join declared
        on persons.customer_id = declared.customer_id

)

select * from final
