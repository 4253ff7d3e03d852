{#- Campaign x segment type x segment label: the measures of campaign_performance within each
    segment, so that a marketer sees where a campaign worked. A person's label is the one they
    had when the campaign started (the stored segment history int_customer_segment_history,
    as segment_membership cuts it at the as-of date, on start_date); for a campaign that
    started before the history did (its first recorded build), the person's earliest recorded
    label (on a first build: the build's own), and share_labelled_at_start says how many persons had a label from
    the campaign's start (macro segment_labels_at). Persons without a label of a type count under '(none)', so
    the segments of a type add up to the campaign. The campaign's cost is shared by treated
    persons (allocated_cost); the verdict judges the segment on it. -#}
with

campaigns as (

    select * from {{ ref('int_campaigns_classified') }}

),

persons as (

    select
        grouped.*,
        coalesce(campaigns.start_date, {{ crm_segments.utc_date('grouped.first_contacted_at') }}) as label_date
    from {{ ref('int_campaign_persons_grouped') }} as grouped
    inner join campaigns on grouped.campaign_id = campaigns.campaign_id

),

labelled as (

    {{ crm_segments.segment_labels_at('persons', 'label_date') }}

),

counted as (

    select
        labelled.campaign_id,
        labelled.segment_type,
        labelled.segment_value,
        {{ crm_segments.campaign_group_counts('labelled') }},
        round(count(*) filter (where labelled.is_label_at_date)::numeric / count(*), 4) as share_labelled_at_start
    from labelled
    group by labelled.campaign_id, labelled.segment_type, labelled.segment_value

),

campaign_treated as (

    select
        campaign_id,
        count(*) filter (where campaign_group = 'treated') as campaign_treated_persons
    from persons
    group by campaign_id

),

costed as (

    select
        counted.*,
        round(
            campaigns.total_cost * counted.treated_persons / nullif(campaign_treated.campaign_treated_persons, 0), 2
        ) as allocated_cost
    from counted
    inner join campaigns on counted.campaign_id = campaigns.campaign_id
    inner join campaign_treated on counted.campaign_id = campaign_treated.campaign_id

),

final as (

    select
        costed.campaign_id,
        costed.segment_type,
        costed.segment_value,
        campaigns.objective,
        campaigns.control_source,
        costed.share_labelled_at_start,
        costed.treated_persons,
        costed.control_persons,
        costed.treated_contacts,
        costed.delivered_persons,
        costed.responded_persons,
        costed.converted_persons,
        costed.complained_persons,
        costed.unsubscribed_persons,
        costed.control_responded_persons,
        costed.control_converted_persons,
        measures.treated_response_rate,
        measures.control_response_rate,
        measures.treated_conversion_rate,
        measures.control_conversion_rate,
        measures.uplift,
        measures.uplift_ci_low,
        measures.uplift_ci_high,
        measures.uplift_z,
        measures.is_uplift_significant,
        measures.incremental_responders,
        costed.treated_revenue,
        costed.control_revenue,
        measures.incremental_revenue,
        costed.allocated_cost,
        measures.roi_pct,
        verdicts.verdict,
        judged.verdict_reason
    from costed
    inner join campaigns on costed.campaign_id = campaigns.campaign_id
    {{ crm_segments.campaign_measures('costed', 'costed.allocated_cost') }}

)

select * from final
