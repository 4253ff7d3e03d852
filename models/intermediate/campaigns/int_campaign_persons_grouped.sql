{#- The persons a campaign is measured on, campaign x person, in the treated or the control
    group: the campaign's own participants (int_campaign_participants_summarized), plus, for a
    campaign without any control contact (control_source global_control_group), the global
    control group over the same window: members of the global control group
    (global_control_member) with control contacts (would-be contacts, which record what the
    person did without being contacted) in campaigns of the same objective between the
    campaign's start_date and end_date (UTC dates), who are not among the campaign's own
    participants. Their flags and revenue are those of these control contacts. A campaign
    without start or end date gets no borrowed control group. -#}
with

campaigns as (

    select * from {{ ref('int_campaigns_classified') }}

),

participants as (

    select * from {{ ref('int_campaign_participants_summarized') }}

),

own_groups as (

    select
        campaign_id,
        customer_id,
        campaign_group,
        'campaign_contacts' as group_source,
        is_in_both_groups,
        treated_contacts,
        control_contacts,
        is_delivered,
        is_responder,
        is_converter,
        is_complainer,
        is_unsubscriber,
        revenue,
        first_contacted_at
    from participants

),

borrowing as (

    select
        campaign_id,
        objective,
        start_date,
        end_date
    from campaigns
    where control_source = 'global_control_group' and start_date is not null and end_date is not null

),

global_control_contacts as (

    select
        contacts.customer_id,
        contacts.is_delivered,
        contacts.is_response,
        contacts.is_conversion,
        contacts.is_complaint,
        contacts.is_unsubscribe,
        contacts.revenue,
        contacts.contacted_at,
        campaigns.objective,
        {{ crm_segments.utc_date('contacts.contacted_at') }} as contacted_date
    from {{ ref('int_campaign_contacts_resolved') }} as contacts
    inner join campaigns on contacts.campaign_id = campaigns.campaign_id
    where
        contacts.is_control
        and contacts.contacted_at < {{ crm_segments.as_of_at() }}
        and {{ crm_segments.global_control_member('contacts.customer_id') }}

),

borrowed_groups as (

    select
        borrowing.campaign_id,
        global_control_contacts.customer_id,
        'control' as campaign_group,
        'global_control_group' as group_source,
        false as is_in_both_groups,
        0::bigint as treated_contacts,
        count(*) as control_contacts,
        bool_or(global_control_contacts.is_delivered) as is_delivered,
        coalesce(bool_or(global_control_contacts.is_response), false) as is_responder,
        bool_or(global_control_contacts.is_conversion) as is_converter,
        coalesce(bool_or(global_control_contacts.is_complaint), false) as is_complainer,
        bool_or(global_control_contacts.is_unsubscribe) as is_unsubscriber,
        coalesce(sum(global_control_contacts.revenue), 0) as revenue,
        min(global_control_contacts.contacted_at) as first_contacted_at
    from borrowing
    inner join global_control_contacts
        on
            borrowing.objective = global_control_contacts.objective
            and global_control_contacts.contacted_date between borrowing.start_date and borrowing.end_date
    where not exists (
            select 1 from participants
            where
                participants.campaign_id = borrowing.campaign_id
                and participants.customer_id = global_control_contacts.customer_id
        )
    group by borrowing.campaign_id, global_control_contacts.customer_id

),

final as (

    select * from own_groups
    union all
    select * from borrowed_groups

)

select * from final
