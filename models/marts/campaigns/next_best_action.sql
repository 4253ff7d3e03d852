{#- Person x rank: the top var nba_top_n offers of each person by expected value
    (int_customer_offers_scored; only offers with an expected value above var
    nba_min_expected_value), ties broken by propensity, then margin, then offer_code. channel:
    the outbound channel to use - among the offer's channels those on which the person is in
    campaign_audience (consent, address, no suppression, not in the global control group, under
    the contact-pressure caps), the preferred channel first, then the var channel_priority; NULL
    when none, and the offer is for an inbound conversation only (is_outbound_allowed false).
    why: the reason in words. -#}
with

scored as (

    select * from {{ ref('int_customer_offers_scored') }}
    where expected_value > {{ var('nba_min_expected_value') }}

),

ranked as (

    select
        scored.*,
        row_number() over (
            partition by scored.customer_id
            order by
                scored.expected_value desc, scored.propensity desc, scored.margin_per_acceptance desc,
                scored.offer_code asc
        ) as offer_rank
    from scored

),

top_offers as (

    select * from ranked
    where offer_rank <= {{ var('nba_top_n') }}

),

audience as (

    select
        customer_id,
        channel,
        is_preferred_channel
    from {{ ref('campaign_audience') }}

),

control_group as (

    select customer_id from {{ ref('global_control_group') }}

),

outbound as (

    select distinct on (top_offers.customer_id, top_offers.offer_code)
        top_offers.customer_id,
        top_offers.offer_code,
        audience.channel,
        audience.is_preferred_channel
    from top_offers
    inner join audience
        on
            top_offers.customer_id = audience.customer_id
            and audience.channel = any(top_offers.offer_channels)
    order by
        top_offers.customer_id asc, top_offers.offer_code asc, audience.is_preferred_channel desc,
        {{ crm_segments.channel_priority_rank('audience.channel') }} asc, audience.channel asc

),

decided as (

    select
        top_offers.*,
        outbound.channel,
        coalesce(outbound.is_preferred_channel, false) as is_preferred_channel,
        outbound.channel is not null as is_outbound_allowed,
        control_group.customer_id is not null as is_global_control
    from top_offers
    left join outbound
        on
            top_offers.customer_id = outbound.customer_id
            and top_offers.offer_code = outbound.offer_code
    left join control_group on top_offers.customer_id = control_group.customer_id

),

-- the reason in words, part by part
explained as (

    select
        decided.*,
        case
            when decided.cell_trials > 0
                then format(
                        '%s of %s similar customers (%s) responded to it, %s after smoothing towards %s '
                        || '(the offer''s %s x %s, how the cell answers %s offers)',
                        decided.cell_successes, decided.cell_trials, decided.cell_key,
                        to_char(100 * decided.cell_propensity, 'FM990.0') || '%',
                        to_char(100 * decided.prior_rate, 'FM990.0') || '%',
                        to_char(100 * decided.offer_rate, 'FM990.0') || '%', to_char(decided.cell_lift, 'FM990.00'),
                        decided.objective
                    )
            else format(
                    'no similar customer (%s) was offered it yet: the offer''s rate %s x %s, how the cell '
                    || 'answers %s offers = %s',
                    decided.cell_key, to_char(100 * decided.offer_rate, 'FM990.0') || '%',
                    to_char(decided.cell_lift, 'FM990.00'), decided.objective,
                    to_char(100 * decided.cell_propensity, 'FM990.0') || '%'
                )
        end as history_text,
        case
            when decided.context_reason is not null
                then format(
                        '; x%s after a %s interaction on %s',
                        decided.context_boost, decided.context_reason, {{ crm_segments.utc_date('decided.context_at') }}
                    )
            else ''
        end as context_text,
        format(
            '; expected value %s = %s x margin %s - contact cost %s',
            to_char(decided.expected_value, 'FM999999990.00'),
            to_char(100 * decided.propensity, 'FM990.0') || '%',
            to_char(decided.margin_per_acceptance, 'FM999999990.00'),
            to_char(decided.cost_per_contact, 'FM999999990.00')
        ) as value_text,
        case
            when decided.channel is not null and decided.is_preferred_channel
                then format('; by %s, the preferred channel', decided.channel)
            when decided.channel is not null then format('; by %s', decided.channel)
            when decided.is_global_control then '; inbound only: the person is in the global control group'
            else
                '; inbound only: no outbound channel of the offer is allowed now '
                || '(consent, address, suppression or contact pressure)'
        end as channel_text
    from decided

),

final as (

    select
        customer_id,
        offer_rank,
        offer_code,
        offer_name,
        objective,
        product,
        expected_value,
        propensity,
        cell_propensity,
        offer_rate,
        cell_lift,
        cell_trials,
        cell_successes,
        context_reason,
        context_at,
        context_boost,
        margin_per_acceptance,
        cost_per_contact,
        cluster_label,
        value_tier,
        lifecycle_stage,
        channel,
        is_preferred_channel,
        is_outbound_allowed,
        is_global_control,
        offer_name || ': ' || history_text || context_text || value_text || channel_text as why,
        {{ crm_segments.as_of_date() }} as as_of_date
    from explained

)

select * from final
