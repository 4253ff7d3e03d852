{#- Contact pressure per person × channel (var consent_channels) for every person contacted
    at least once, at the consent "now" (contacts after it are ignored). Control-group
    contacts were not sent and do not count.

    - contacts_30d: the person's contacts on any channel in the last 30 days; blocked when it
      reaches var max_contacts_30d (one more would exceed the cap).
    - channel_contacts_7d: contacts on this channel in the last 7 days; blocked at var
      max_contacts_per_channel_7d.
    - quiet_until: last complaint (outcome complained) + var complaint_quiet_days; no channel
      until then.
    - rested_until: when var ignore_limit contacts on this channel were ignored (var
      ignored_outcomes) within var ignore_window_days, the channel rests for var rest_days
      after the last of them. -#}
with

contacts as (

    select * from {{ ref('int_campaign_contacts_resolved') }}
    where not is_control and contacted_at <= {{ crm_segments.as_of_at() }}

),

channels as (

    select unnest(array[{{ crm_segments.sql_text_list(var('consent_channels')) }}]::text[]) as channel

),

per_person as (

    select
        customer_id,
        count(*) filter (
            where contacted_at > {{ crm_segments.as_of_at() }} - interval '30 days'
        ) as contacts_30d,
        max(contacted_at) filter (where is_complaint) as last_complaint_at
    from contacts
    group by customer_id

),

per_channel as (

    select
        customer_id,
        channel,
        count(*) filter (
            where contacted_at > {{ crm_segments.as_of_at() }} - interval '7 days'
        ) as channel_contacts_7d
    from contacts
    group by customer_id, channel

),

ignored as (

    select
        customer_id,
        channel,
        contacted_at,
        count(*) over (
            partition by customer_id, channel
            order by contacted_at
            range between interval '{{ var("ignore_window_days") }} days' preceding and current row
        ) as ignored_in_window
    from contacts
    where is_ignored

),

rests as (

    select
        customer_id,
        channel,
        max(contacted_at) + interval '{{ var("rest_days") }} days' as rested_until
    from ignored
    where ignored_in_window >= {{ var('ignore_limit') }}
    group by customer_id, channel

),

measured as (

    select
        per_person.customer_id,
        channels.channel,
        per_person.contacts_30d::integer as contacts_30d,
        coalesce(per_channel.channel_contacts_7d, 0)::integer as channel_contacts_7d,
        per_person.last_complaint_at,
        per_person.last_complaint_at + interval '{{ var("complaint_quiet_days") }} days' as quiet_until,
        rests.rested_until
    from per_person
    cross join channels
    left join per_channel
        on
            per_person.customer_id = per_channel.customer_id
            and channels.channel = per_channel.channel
    left join rests
        on
            per_person.customer_id = rests.customer_id
            and channels.channel = rests.channel

),

final as (

    select
        *,
        contacts_30d >= {{ var('max_contacts_30d') }} as is_over_30d_cap,
        channel_contacts_7d >= {{ var('max_contacts_per_channel_7d') }} as is_over_channel_7d_cap,
        coalesce(quiet_until > {{ crm_segments.as_of_at() }}, false) as is_in_complaint_quiet,
        coalesce(rested_until > {{ crm_segments.as_of_at() }}, false) as is_rested
    from measured

)

select
    *,
    is_over_30d_cap or is_over_channel_7d_cap or is_in_complaint_quiet or is_rested as is_pressure_blocked
from final
