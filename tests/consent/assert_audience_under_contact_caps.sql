-- Invariant: no campaign_audience row for a person at the 30-day cap, at the 7-day cap on the
-- channel, or within the complaint quiet period, recomputed from the staged campaign contacts
-- (non-control contacts up to the audience's "now", reaching the account holder).
with

as_of as (

    select max(audience_as_of) as as_of_at from {{ ref('campaign_audience') }}

),

contacts as (

    select
        holders.customer_id,
        contacts.channel,
        contacts.outcome,
        contacts.contacted_at
    from {{ ref('stg_crm__campaign_contacts') }} as contacts
    inner join {{ ref('int_accounts_resolved') }} as holders
        on contacts.account_id = holders.account_id
    cross join as_of
    where not coalesce(contacts.is_control, false) and contacts.contacted_at <= as_of.as_of_at

),

per_person as (

    select
        contacts.customer_id,
        count(*) filter (where contacts.contacted_at > as_of.as_of_at - interval '30 days') as contacts_30d,
        max(contacts.contacted_at) filter (where contacts.outcome = 'complained') as last_complaint_at
    from contacts
    cross join as_of
    group by contacts.customer_id

),

per_channel as (

    select
        contacts.customer_id,
        contacts.channel,
        count(*) filter (where contacts.contacted_at > as_of.as_of_at - interval '7 days') as contacts_7d
    from contacts
    cross join as_of
    group by contacts.customer_id, contacts.channel

)

select
    audience.customer_id,
    audience.channel
from {{ ref('campaign_audience') }} as audience
cross join as_of
left join per_person
    on audience.customer_id = per_person.customer_id
left join per_channel
    on audience.customer_id = per_channel.customer_id and audience.channel = per_channel.channel
where
    coalesce(per_person.contacts_30d, 0) >= {{ var('max_contacts_30d') }}
    or coalesce(per_channel.contacts_7d, 0) >= {{ var('max_contacts_per_channel_7d') }}
    or per_person.last_complaint_at > as_of.as_of_at - interval '{{ var("complaint_quiet_days") }} days'
