{#- Objective x month: the long-term effect of being marketed to at all. In each month up to
    the reference month, the contacted base of an objective is every person treated (really
    contacted) by a campaign of that objective in that month or before; objective 'any' counts
    every campaign. It is compared with the global control group: members never treated by a
    campaign of the objective up to the month (the holdout as it is meant to be). Per group, from
    int_customer_monthly_facts: persons active in the month (an active subscription) and their
    revenue per person, the churn rate (active the month before, no longer active), and the NPS
    of the month's answers (each person's latest answer of the month). -#}
-- `month` is the column name of the monthly facts: allow the keyword
-- noqa: disable=RF04
with

reference as (

    select {{ crm_segments.reference_month() }} as reference_month

),

-- not materialized: a CTE read twice is written out first (at 1M customers 17 M person-months);
-- read from the table, the months and the months before them meet in a parallel hash join
facts as not materialized (

    select
        customer_id,
        month,
        revenue,
        nps_score,
        active_subscriptions > 0 as is_active
    from {{ ref('int_customer_monthly_facts') }}

),

-- every person-month with activity, plus the month after an active month (to see churn), as
-- narrow numbers that add up: each group below is one sum over these rows
person_months as (

    select
        coalesce(current_month.customer_id, previous_month.customer_id) as customer_id,
        coalesce(current_month.month, (previous_month.month + interval '1 month')::date) as month,
        case when coalesce(current_month.is_active, false) then 1 else 0 end as is_active,
        case when coalesce(current_month.is_active, false) then current_month.revenue else 0 end as active_revenue,
        case when coalesce(previous_month.is_active, false) then 1 else 0 end as was_active,
        case
            when coalesce(previous_month.is_active, false) and not coalesce(current_month.is_active, false) then 1
            else 0
        end as churned,
        case when current_month.nps_score is not null then 1 else 0 end as answered,
        case when {{ crm_segments.nps_class('current_month.nps_score') }} = 'promoter' then 1 else 0 end as promoter,
        case when {{ crm_segments.nps_class('current_month.nps_score') }} = 'detractor' then 1 else 0 end as detractor
    from facts as current_month
    full join facts as previous_month
        on
            current_month.customer_id = previous_month.customer_id
            and current_month.month = (previous_month.month + interval '1 month')::date
    where
        coalesce(current_month.month, (previous_month.month + interval '1 month')::date)
        <= (select reference.reference_month from reference)

),

treated as (

    select
        participants.customer_id,
        campaigns.objective,
        {{ crm_segments.utc_month('participants.first_contacted_at') }} as first_month
    from {{ ref('int_campaign_participants_summarized') }} as participants
    inner join {{ ref('int_campaigns_classified') }} as campaigns
        on participants.campaign_id = campaigns.campaign_id
    where participants.campaign_group = 'treated' and campaigns.objective is not null

),

-- first treatment per person and objective, and per person over every objective ('any')
exposure as (

    select
        customer_id,
        objective,
        min(first_month) as first_month
    from treated
    group by customer_id, objective
    union all
    select
        customer_id,
        'any' as objective,
        min(first_month) as first_month
    from treated
    group by customer_id

),

objectives as (

    select distinct objective from exposure

),

control_group as (

    select customer_id from {{ ref('global_control_group') }}

),

-- who counts in which group, as month ranges: the contacted base of an objective from the
-- first month a campaign of it treated the person on; the control group (a member of the
-- global control group) in the months before that, or in every month if never treated
memberships as (

    select
        customer_id,
        objective,
        'contacted' as programme_group,
        first_month as from_month,
        null::date as until_month
    from exposure
    union all
    select
        control_group.customer_id,
        objectives.objective,
        'control' as programme_group,
        null::date as from_month,
        exposure.first_month as until_month
    from control_group
    cross join objectives
    left join exposure
        on
            control_group.customer_id = exposure.customer_id
            and objectives.objective = exposure.objective

),

-- each group's month: summed straight out of the join (no row list of its own)
grouped as (

    select
        memberships.objective,
        person_months.month,
        memberships.programme_group,
        sum(person_months.is_active) as active_persons,
        sum(person_months.active_revenue) as revenue,
        sum(person_months.was_active) as active_before,
        sum(person_months.churned) as churned_persons,
        sum(person_months.answered) as nps_responses,
        sum(person_months.promoter) as promoters,
        sum(person_months.detractor) as detractors
    from person_months
    inner join memberships
        on
            person_months.customer_id = memberships.customer_id
            and (memberships.from_month is null or person_months.month >= memberships.from_month)
            and (memberships.until_month is null or person_months.month < memberships.until_month)
    group by memberships.objective, person_months.month, memberships.programme_group

),

measured as (

    select
        objective,
        month,
        programme_group,
        active_persons,
        churned_persons,
        nps_responses,
        round(revenue / nullif(active_persons, 0), 4) as revenue_per_person,
        round(churned_persons::numeric / nullif(active_before, 0), 6) as churn_rate,
        {{ crm_segments.nps_score_of('promoters', 'detractors', 'nps_responses') }} as nps
    from grouped

),

keys as (

    select distinct
        objective,
        month
    from measured

),

final as (

    select
        keys.objective,
        keys.month,
        contacted.revenue_per_person as contacted_revenue_per_person,
        contacted.churn_rate as contacted_churn_rate,
        contacted.nps as contacted_nps,
        control.revenue_per_person as control_revenue_per_person,
        control.churn_rate as control_churn_rate,
        control.nps as control_nps,
        coalesce(contacted.active_persons, 0) as contacted_persons,
        coalesce(contacted.churned_persons, 0) as contacted_churned_persons,
        coalesce(contacted.nps_responses, 0) as contacted_nps_responses,
        coalesce(control.active_persons, 0) as control_persons,
        coalesce(control.churned_persons, 0) as control_churned_persons,
        coalesce(control.nps_responses, 0) as control_nps_responses,
        contacted.revenue_per_person - control.revenue_per_person as revenue_per_person_difference,
        contacted.churn_rate - control.churn_rate as churn_rate_difference,
        contacted.nps - control.nps as nps_difference
    from keys
    left join measured as contacted
        on
            keys.objective = contacted.objective
            and keys.month = contacted.month
            and contacted.programme_group = 'contacted'
    left join measured as control
        on
            keys.objective = control.objective
            and keys.month = control.month
            and control.programme_group = 'control'

)

select * from final
