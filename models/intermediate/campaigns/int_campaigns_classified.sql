{#- One row per staged campaign with what its measurement needs: its attributes, its contacts
    up to the consent "now" (treated and control) and where its control group comes from -
    'campaign' when it has control contacts of its own, else 'global_control_group' (measured
    against global control group members over the campaign's window, see
    int_campaign_persons_grouped). -#}
with

campaigns as (

    select * from {{ ref('stg_crm__campaigns') }}

),

contacts as (

    select
        campaign_id,
        count(*) filter (where not is_control) as treated_contacts,
        count(*) filter (where is_control) as control_contacts
    from {{ ref('int_campaign_contacts_resolved') }}
    where contacted_at < {{ crm_segments.as_of_at() }}
    group by campaign_id

),

final as (

    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.objective,
        campaigns.channel,
        campaigns.offer_code,
        campaigns.start_date,
        campaigns.end_date,
        campaigns.total_cost,
        coalesce(contacts.treated_contacts, 0) as treated_contacts,
        coalesce(contacts.control_contacts, 0) as control_contacts,
        case
            when coalesce(contacts.control_contacts, 0) > 0 then 'campaign'
            else 'global_control_group'
        end as control_source
    from campaigns
    left join contacts on campaigns.campaign_id = contacts.campaign_id

)

select * from final
