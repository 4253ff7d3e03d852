{#- High-end traffic lights: one row per baseline customer and month, from the month after the
    baseline month to the reference month. The baseline ("photographed") set: persons active in
    the baseline month whose average ARPU and voice minutes over the
    var('high_end_baseline_window_months') months ending with the baseline month (a month
    without facts counts as zero) meet the high-end thresholds. Each month:
      black  no active subscription (churned);
      red    active but no longer high-end (ARPU or voice minutes under the threshold);
      yellow still high-end, but ARPU or voice minutes down by var('high_end_warning_drop_pct')
             percent or more on the baseline average, or a complaint in the month;
      green  still high-end, no warning.
    The reason lists the failing conditions. -#}
-- noqa: disable=RF04
with

-- not materialized: a CTE read twice is written out first (at 1M customers 17 M person-months)
-- and hides the table's statistics from the planner
facts as not materialized (

    select * from {{ ref('int_customer_monthly_facts') }}

),

reference as (

    select
        {{ crm_segments.reference_month() }} as reference_month,
        {% if var('high_end_baseline_month', none) -%}
            date_trunc('month', date '{{ var("high_end_baseline_month") }}')::date
        {%- else -%}
            (
                {{ crm_segments.reference_month() }}
                - interval '{{ var("high_end_baseline_lookback_months", 6) }} month'
            )::date
        {%- endif %} as baseline_month

),

baseline_window as (

    select
        facts.customer_id,
        reference.baseline_month,
        sum(coalesce(facts.arpu, 0)) / {{ var('high_end_baseline_window_months', 3) }} as baseline_arpu,
        sum(facts.voice_mou) / {{ var('high_end_baseline_window_months', 3) }} as baseline_voice_mou,
        bool_or(facts.month = reference.baseline_month and facts.active_subscriptions > 0)
            as is_active_in_baseline_month
    from facts
    cross join reference
    where
        facts.month > (
            reference.baseline_month - interval '{{ var("high_end_baseline_window_months", 3) }} month'
        )
        and facts.month <= reference.baseline_month
    group by facts.customer_id, reference.baseline_month

),

baseline as (

    select
        customer_id,
        baseline_month,
        baseline_arpu,
        baseline_voice_mou
    from baseline_window
    where
        is_active_in_baseline_month
        and baseline_arpu >= {{ var('high_end_min_arpu', 120) }}
        and baseline_voice_mou >= {{ var('high_end_min_voice_mou', 100) }}

),

months as (

    select generated.month::date as month
    from reference
    cross join lateral generate_series(
        reference.baseline_month + interval '1 month', reference.reference_month, interval '1 month'
    ) as generated (month)

),

monthly as (

    select
        baseline.customer_id,
        months.month,
        baseline.baseline_month,
        baseline.baseline_arpu,
        baseline.baseline_voice_mou,
        facts.arpu,
        coalesce(facts.voice_mou, 0) as voice_mou,
        coalesce(facts.active_subscriptions, 0) as active_subscriptions,
        coalesce(facts.complaint_count, 0) as complaint_count,
        coalesce(facts.arpu, 0) >= {{ var('high_end_min_arpu', 120) }} as is_arpu_high_end,
        coalesce(facts.voice_mou, 0) >= {{ var('high_end_min_voice_mou', 100) }} as is_mou_high_end,
        coalesce(facts.arpu, 0) <= baseline.baseline_arpu * (1 - {{ var('high_end_warning_drop_pct', 30) }} / 100.0)
            as is_arpu_down,
        coalesce(facts.voice_mou, 0)
        <= baseline.baseline_voice_mou * (1 - {{ var('high_end_warning_drop_pct', 30) }} / 100.0)
            as is_mou_down
    from baseline
    cross join months
    left join (
        -- only the months after the baseline month: the join then sorts those person-months
        -- (at 1M customers 5.1 M), not all 17 M
        select facts.*
        from facts
        cross join reference
        where facts.month > reference.baseline_month and facts.month <= reference.reference_month
    ) as facts
        on baseline.customer_id = facts.customer_id
            and months.month = facts.month

),

lights as (

    select
        *,
        case
            when active_subscriptions = 0 then 'black'
            when not (is_arpu_high_end and is_mou_high_end) then 'red'
            when is_arpu_down or is_mou_down or complaint_count > 0 then 'yellow'
            else 'green'
        end as traffic_light,
        case
            when active_subscriptions = 0 then 'no_active_subscription'
            when not (is_arpu_high_end and is_mou_high_end)
                then concat_ws(
                        ',',
                        case when not is_arpu_high_end then 'arpu_below_threshold' end,
                        case when not is_mou_high_end then 'mou_below_threshold' end
                    )
            when is_arpu_down or is_mou_down or complaint_count > 0
                then concat_ws(
                        ',',
                        case when is_arpu_down then 'arpu_down' end,
                        case when is_mou_down then 'mou_down' end,
                        case when complaint_count > 0 then 'complaint' end
                    )
        end as traffic_light_reason
    from monthly

),

final as (

    select
        customer_id,
        month,
        baseline_month,
        baseline_arpu,
        baseline_voice_mou,
        arpu,
        voice_mou,
        active_subscriptions,
        complaint_count,
        traffic_light,
        traffic_light_reason,
        -- the baseline month counts as green (every baseline customer was high-end then)
        coalesce(lag(traffic_light) over (partition by customer_id order by month), 'green') as previous_traffic_light
    from lights

)

select * from final
