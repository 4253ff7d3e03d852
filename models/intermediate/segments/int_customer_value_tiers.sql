{#- Value tier per person from the average monthly margin over the var('value_tier_window_months')
    months ending with the reference month, averaged over the months of the window in which the
    person had an active subscription. Cut-offs from the seed value_tier_cutoffs: negative below
    zero; among positive margins high = top share, low = bottom share (by rank: a customer is in
    the top 10% when fewer than 10% of the positive customers have a strictly higher margin, so
    ties at the cut-off fall into the tier); margin exactly zero is low; the rest valuable. -#}
-- noqa: disable=RF04
with

reference as (

    select
        {{ crm_segments.reference_month() }} as reference_month,
        (
            {{ crm_segments.reference_month() }}
            - interval '{{ var("value_tier_window_months", 3) - 1 }} month'
        )::date as window_start

),

cutoffs as (

    select
        max(share) filter (where value_tier = 'high') as high_share,
        max(share) filter (where value_tier = 'low') as low_share
    from {{ ref('value_tier_cutoffs') }}

),

margins as (

    select
        facts.customer_id,
        avg(facts.margin) as avg_monthly_margin,
        count(*) as margin_months
    from {{ ref('int_customer_monthly_facts') }} as facts
    cross join reference
    where
        facts.month between reference.window_start and reference.reference_month
        and facts.active_subscriptions > 0
    group by facts.customer_id

),

positive_ranked as (

    select
        customer_id,
        rank() over (order by avg_monthly_margin desc) - 1 as higher_count,
        rank() over (order by avg_monthly_margin asc) - 1 as lower_count,
        count(*) over () as positive_count
    from margins
    where avg_monthly_margin > 0

),

final as (

    select
        margins.customer_id,
        margins.avg_monthly_margin,
        margins.margin_months,
        positive_ranked.higher_count,
        positive_ranked.positive_count,
        case
            when margins.avg_monthly_margin < 0 then 'negative'
            when margins.avg_monthly_margin = 0 then 'low'
            when positive_ranked.higher_count < cutoffs.high_share * positive_ranked.positive_count then 'high'
            when positive_ranked.lower_count < cutoffs.low_share * positive_ranked.positive_count then 'low'
            else 'valuable'
        end as value_tier
    from margins
    cross join cutoffs
    left join positive_ranked on margins.customer_id = positive_ranked.customer_id

)

select * from final
