{#- Offer x propensity cell: the probability that a person of the cell responds to the offer,
    from the campaign history up to the as-of date (treated persons of campaigns with the offer,
    int_campaign_participants_summarized; responder = a response outcome, var
    response_outcomes). Two-level empirical Bayes with one prior strength m (var
    nba_prior_strength, macro smoothed_rate):
      objective rate = responders / treated persons of all campaigns of the offer's objective
                       (no history of the objective: all campaigns; none at all: var
                       nba_default_response_rate);
      offer rate     = (offer responders + m x objective rate) / (offer treated + m);
      propensity     = (cell responders + m x offer rate) / (cell treated + m).
    A cell nobody of which was offered it gets the offer rate; small cells stay near it, so no
    cell gets 0% or 100% from a handful of contacts. Every catalogue offer x every cell some
    person is in. Rates are rounded to 6 decimals. The persons' cells are those of the as-of date (a backtest builds the project
    with an earlier as_of_date, see `crm-segments evaluate nba`). -#}
with

offers as (

    select
        offer_code,
        objective
    from {{ ref('int_offers_parsed') }}

),

cells as (

    select distinct
        cell_key,
        cluster_label,
        value_tier,
        lifecycle_stage
    from {{ ref('int_customer_propensity_cells') }}

),

history as (

    select
        campaigns.offer_code,
        campaigns.objective,
        person_cells.cell_key,
        participants.is_responder
    from {{ ref('int_campaign_participants_summarized') }} as participants
    inner join {{ ref('int_campaigns_classified') }} as campaigns
        on participants.campaign_id = campaigns.campaign_id
    inner join {{ ref('int_customer_propensity_cells') }} as person_cells
        on participants.customer_id = person_cells.customer_id
    where participants.campaign_group = 'treated'

),

overall as (

    select
        coalesce(
            count(*) filter (where is_responder)::numeric / nullif(count(*), 0),
            {{ var('nba_default_response_rate') }}
        ) as overall_rate
    from history

),

by_objective as (

    select
        objective,
        count(*) filter (where is_responder)::numeric / count(*) as objective_rate
    from history
    where objective is not null
    group by objective

),

by_offer as (

    select
        offer_code,
        count(*) as trials,
        count(*) filter (where is_responder) as successes
    from history
    where offer_code is not null
    group by offer_code

),

by_cell as (

    select
        offer_code,
        cell_key,
        count(*) as trials,
        count(*) filter (where is_responder) as successes
    from history
    where offer_code is not null
    group by offer_code, cell_key

),

offer_rates as (

    select
        offers.offer_code,
        coalesce(by_offer.trials, 0) as offer_trials,
        coalesce(by_offer.successes, 0) as offer_successes,
        coalesce(by_objective.objective_rate, overall.overall_rate) as objective_rate,
        {{ crm_segments.smoothed_rate(
            'coalesce(by_offer.successes, 0)',
            'coalesce(by_offer.trials, 0)',
            'coalesce(by_objective.objective_rate, overall.overall_rate)'
        ) }} as offer_rate
    from offers
    cross join overall
    left join by_objective on offers.objective = by_objective.objective
    left join by_offer on offers.offer_code = by_offer.offer_code

),

final as (

    select
        offer_rates.offer_code,
        cells.cell_key,
        cells.cluster_label,
        cells.value_tier,
        cells.lifecycle_stage,
        round(offer_rates.objective_rate, 6) as objective_rate,
        offer_rates.offer_trials,
        offer_rates.offer_successes,
        round(offer_rates.offer_rate, 6) as offer_rate,
        coalesce(by_cell.trials, 0) as cell_trials,
        coalesce(by_cell.successes, 0) as cell_successes,
        round(
            {{ crm_segments.smoothed_rate(
                'coalesce(by_cell.successes, 0)', 'coalesce(by_cell.trials, 0)', 'offer_rates.offer_rate'
            ) }}, 6
        ) as propensity
    from offer_rates
    cross join cells
    left join by_cell
        on
            offer_rates.offer_code = by_cell.offer_code
            and cells.cell_key = by_cell.cell_key

)

select * from final
