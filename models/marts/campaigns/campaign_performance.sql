{#- One row per campaign: group sizes, the treated group's outcome ladder in persons, response
    and conversion rates of treated and control, uplift with its confidence interval and
    significance, incremental responders and revenue, cost, ROI and a verdict (formulas in the
    macros campaign_group_counts and campaign_measures). The control group is the campaign's own
    (control_source campaign) or, for a campaign without control contacts, the global control
    group over its window (int_campaign_persons_grouped). -#}
with

campaigns as (

    select * from {{ ref('int_campaigns_classified') }}

),

persons as (

    select * from {{ ref('int_campaign_persons_grouped') }}

),

counted as (

    select
        campaigns.campaign_id,
        {{ crm_segments.campaign_group_counts('persons') }}
    from campaigns
    left join persons on campaigns.campaign_id = persons.campaign_id
    group by campaigns.campaign_id

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
        campaigns.control_source,
        campaigns.control_source = 'global_control_group' as is_measured_against_global_control,
        counted.treated_persons,
        counted.control_persons,
        counted.persons_in_both_groups,
        counted.treated_contacts,
        counted.control_contacts,
        counted.delivered_persons,
        counted.responded_persons,
        counted.converted_persons,
        counted.complained_persons,
        counted.unsubscribed_persons,
        counted.control_responded_persons,
        counted.control_converted_persons,
        measures.treated_response_rate,
        measures.control_response_rate,
        measures.treated_conversion_rate,
        measures.control_conversion_rate,
        measures.uplift,
        measures.uplift_ci_low,
        measures.uplift_ci_high,
        measures.uplift_z,
        measures.is_uplift_significant,
        measures.conversion_uplift,
        measures.incremental_responders,
        counted.treated_revenue,
        counted.control_revenue,
        measures.treated_revenue_per_person,
        measures.control_revenue_per_person,
        measures.incremental_revenue,
        campaigns.total_cost as cost,
        measures.roi_pct,
        measures.naive_revenue_roi_pct,
        verdicts.verdict,
        judged.verdict_reason,
        {{ crm_segments.as_of_date() }} as as_of_date
    from counted
    inner join campaigns on counted.campaign_id = campaigns.campaign_id
    {{ crm_segments.campaign_measures('counted', 'campaigns.total_cost') }}

)

select * from final
