{#- Tenure per account holder with a subscription: months since the first activation of any of
    the person's subscriptions, up to the as-of date (whole calendar months: exactly 12 months
    after 2025-01-31 is 2026-01-31), and the band and loyalty discount of the seed tenure_bands
    (min_months inclusive, max_months exclusive: exactly 12 months is band A, exactly 120 is G). -#}
with

as_of as (

    select {{ crm_segments.as_of_date() }} as as_of_date

),

first_activations as (

    select
        customer_id,
        min(activated_date) as first_activation_date
    from {{ ref('int_subscriptions_resolved') }}
    where is_activated
    group by customer_id

),

measured as (

    select
        first_activations.customer_id,
        first_activations.first_activation_date,
        {{ crm_segments.months_between('first_activations.first_activation_date', 'as_of.as_of_date') }}
            as tenure_months
    from first_activations
    cross join as_of

),

final as (

    select
        measured.customer_id,
        measured.first_activation_date,
        measured.tenure_months,
        bands.tenure_band,
        bands.price_pct,
        bands.loyalty_discount_pct,
        date_trunc('month', measured.first_activation_date)::date as cohort_month
    from measured
    left join {{ ref('tenure_bands') }} as bands
        on measured.tenure_months >= bands.min_months
            and (bands.max_months is null or measured.tenure_months < bands.max_months)

)

select * from final
