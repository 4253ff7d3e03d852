{#- Campaign x person: every person a staged campaign reached (contacts up to the consent
    "now"), in one group - treated when at least one of the person's contacts in the campaign
    was really sent (is_control false), control when all were control contacts (would-be
    contacts). The outcome flags hold when any of the person's contacts in the campaign had
    such an outcome, so a person counts once however many times they were contacted (the
    outcome ladder: converted implies responded when var conversion_outcomes is inside
    response_outcomes). Contacts of campaigns that were not staged are not here (the warn test
    on stg_crm__campaign_contacts.campaign_id counts them). -#}
with

contacts as (

    select * from {{ ref('int_campaign_contacts_resolved') }}
    where contacted_at < {{ crm_segments.as_of_at() }}

),

campaigns as (

    select campaign_id from {{ ref('int_campaigns_classified') }}

),

final as (

    select
        contacts.campaign_id,
        contacts.customer_id,
        case when bool_or(not contacts.is_control) then 'treated' else 'control' end as campaign_group,
        bool_or(not contacts.is_control) and bool_or(contacts.is_control) as is_in_both_groups,
        count(*) filter (where not contacts.is_control) as treated_contacts,
        count(*) filter (where contacts.is_control) as control_contacts,
        bool_or(contacts.is_delivered) as is_delivered,
        coalesce(bool_or(contacts.is_response), false) as is_responder,
        bool_or(contacts.is_conversion) as is_converter,
        coalesce(bool_or(contacts.is_complaint), false) as is_complainer,
        bool_or(contacts.is_unsubscribe) as is_unsubscriber,
        coalesce(sum(contacts.revenue), 0) as revenue,
        min(contacts.contacted_at) as first_contacted_at,
        max(contacts.contacted_at) as last_contacted_at
    from contacts
    inner join campaigns on contacts.campaign_id = campaigns.campaign_id
    group by contacts.campaign_id, contacts.customer_id

)

select * from final
