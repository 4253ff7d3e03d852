{#- Offer x propensity cell: the probability that a person of the cell responds to the offer,
    from the campaign history up to the as-of date (treated persons of campaigns,
    int_campaign_participants_summarized; responder = a response outcome, var
    response_outcomes). Empirical Bayes with one prior strength m (var nba_prior_strength,
    macro smoothed_rate: (responders + m x prior) / (treated + m)):
      objective rate  = responders / treated of all campaigns of the offer's objective (no
                        history of the objective: of all campaigns; none at all: var
                        nba_default_response_rate);
      offer rate      = the offer's responders and treated smoothed towards the objective rate;
      cell lift       = the cell's responders and treated in campaigns of the objective smoothed
                        towards the objective rate, divided by the objective rate (how much more
                        or less than average the cell answers this kind of offer; 1 without
                        history);
      prior           = offer rate x cell lift (at most 1): the offer's rate for this cell before
                        its own history with the offer;
      propensity      = the cell's responders and treated with the offer smoothed towards the
                        prior.
    So a cell with long history of the offer gets its own rate, a small one stays near the
    prior (never 0% or 100% from a handful of contacts), a cell never offered it gets the
    offer's rate moved by how the cell answers the objective (a new offer is not blind), and a
    person with no history at all gets the offer's rate. Every catalogue offer x every cell some
    person is in; rates rounded to 6 decimals. The cells are those of the as-of date (a backtest
    builds the project with an earlier as_of_date, see `crm-segments evaluate nba`). -#}
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

by_cell_objective as (

    select
        objective,
        cell_key,
        count(*) as trials,
        count(*) filter (where is_responder) as successes
    from history
    where objective is not null
    group by objective, cell_key

),

by_cell_offer as (

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
        offers.objective,
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

priors as (

    select
        offer_rates.*,
        cells.cell_key,
        cells.cluster_label,
        cells.value_tier,
        cells.lifecycle_stage,
        coalesce(by_cell_objective.trials, 0) as cell_objective_trials,
        coalesce(by_cell_objective.successes, 0) as cell_objective_successes,
        coalesce(
            {{ crm_segments.smoothed_rate(
                'coalesce(by_cell_objective.successes, 0)',
                'coalesce(by_cell_objective.trials, 0)',
                'offer_rates.objective_rate'
            ) }} / nullif(offer_rates.objective_rate, 0),
            1
        ) as cell_lift
    from offer_rates
    cross join cells
    left join by_cell_objective
        on
            offer_rates.objective = by_cell_objective.objective
            and cells.cell_key = by_cell_objective.cell_key

),

final as (

    select
        priors.offer_code,
        priors.cell_key,
        priors.cluster_label,
        priors.value_tier,
        priors.lifecycle_stage,
        priors.offer_trials,
        priors.offer_successes,
        priors.cell_objective_trials,
        priors.cell_objective_successes,
        coalesce(by_cell_offer.trials, 0) as cell_trials,
        coalesce(by_cell_offer.successes, 0) as cell_successes,
        round(priors.objective_rate, 6) as objective_rate,
        round(priors.offer_rate, 6) as offer_rate,
        round(priors.cell_lift, 6) as cell_lift,
        round(least(1, priors.offer_rate * priors.cell_lift), 6) as prior_rate,
        round(
            {{ crm_segments.smoothed_rate(
                'coalesce(by_cell_offer.successes, 0)',
                'coalesce(by_cell_offer.trials, 0)',
                'least(1, priors.offer_rate * priors.cell_lift)'
            ) }}, 6
        ) as propensity
    from priors
    left join by_cell_offer
        on
            priors.offer_code = by_cell_offer.offer_code
            and priors.cell_key = by_cell_offer.cell_key

)

select * from final
