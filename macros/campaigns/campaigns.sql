{#- Campaign measurement, next best action and NPS (issue 13): the formulas shared by the
    campaign marts, the propensity smoothing and the NPS classes. -#}

{% macro campaign_group_counts(persons) -%}
    {{ return(adapter.dispatch('campaign_group_counts', 'crm_segments')(persons)) }}
{%- endmacro %}

{#- Aggregates over person rows of int_campaign_persons_grouped (alias `persons`), for a
    `group by` of the caller: group sizes, contacts, the treated group's outcome ladder in
    persons, and the responders, converters and revenue of both groups. -#}
{% macro default__campaign_group_counts(persons) -%}
    count({{ persons }}.customer_id) filter (where {{ persons }}.campaign_group = 'treated') as treated_persons,
    count({{ persons }}.customer_id) filter (where {{ persons }}.campaign_group = 'control') as control_persons,
    count({{ persons }}.customer_id) filter (where {{ persons }}.is_in_both_groups) as persons_in_both_groups,
    coalesce(sum({{ persons }}.treated_contacts), 0)::bigint as treated_contacts,
    coalesce(sum({{ persons }}.control_contacts), 0)::bigint as control_contacts,
    count({{ persons }}.customer_id) filter (
        where {{ persons }}.campaign_group = 'treated' and {{ persons }}.is_delivered
    ) as delivered_persons,
    count({{ persons }}.customer_id) filter (
        where {{ persons }}.campaign_group = 'treated' and {{ persons }}.is_responder
    ) as responded_persons,
    count({{ persons }}.customer_id) filter (
        where {{ persons }}.campaign_group = 'treated' and {{ persons }}.is_converter
    ) as converted_persons,
    count({{ persons }}.customer_id) filter (
        where {{ persons }}.campaign_group = 'treated' and {{ persons }}.is_complainer
    ) as complained_persons,
    count({{ persons }}.customer_id) filter (
        where {{ persons }}.campaign_group = 'treated' and {{ persons }}.is_unsubscriber
    ) as unsubscribed_persons,
    count({{ persons }}.customer_id) filter (
        where {{ persons }}.campaign_group = 'control' and {{ persons }}.is_responder
    ) as control_responded_persons,
    count({{ persons }}.customer_id) filter (
        where {{ persons }}.campaign_group = 'control' and {{ persons }}.is_converter
    ) as control_converted_persons,
    coalesce(sum({{ persons }}.revenue) filter (where {{ persons }}.campaign_group = 'treated'), 0) as treated_revenue,
    coalesce(sum({{ persons }}.revenue) filter (where {{ persons }}.campaign_group = 'control'), 0) as control_revenue
{%- endmacro %}


{% macro campaign_measures(counts, cost) -%}
    {{ return(adapter.dispatch('campaign_measures', 'crm_segments')(counts, cost)) }}
{%- endmacro %}

{#- Lateral joins that add the measures to a relation `counts` holding the columns of
    campaign_group_counts and a cost expression. Rates are per person. Uplift = treated minus
    control response rate. Its confidence interval is Newcombe's hybrid score interval (method
    10: from the Wilson score intervals [lt, ut] and [lc, uc] of the two rates, low = uplift -
    sqrt((pt - lt)^2 + (uc - pc)^2), high = uplift + sqrt((ut - pt)^2 + (pc - lc)^2)): it
    stays meaningful when a group has 0% or 100% responders, where the Wald interval collapses
    to a point. Significance: the pooled two-proportion z-test, z = uplift / sqrt(p(1-p)(1/nt +
    1/nc)) with p the pooled rate, significant when |z| >= var uplift_confidence_z (the same z
    gives the interval its 95%). Incremental responders = uplift x treated persons; incremental
    revenue = (treated - control revenue per person) x treated persons; ROI = incremental
    revenue / cost (percent); the naive ROI is treated revenue / cost. Verdict: not_measurable
    without treated persons, with fewer control persons than var campaign_min_control_persons,
    or without a positive cost; else strong, pays_back or loses by the vars roi_strong_pct and
    roi_pays_back_pct (on the rounded ROI shown). Output scales: rates, uplift and its interval
    6 decimals, z 4, revenue per person 4, money, responders and percentages 2 - the ratios come
    out of numeric division with 20 decimals, which nobody reads. -#}
{% macro default__campaign_measures(counts, cost) -%}
    cross join lateral (
        select
            {{ counts }}.responded_persons::numeric / nullif({{ counts }}.treated_persons, 0) as treated_response_rate,
            {{ counts }}.control_responded_persons::numeric
            / nullif({{ counts }}.control_persons, 0) as control_response_rate,
            {{ counts }}.converted_persons::numeric / nullif({{ counts }}.treated_persons, 0) as treated_conversion_rate,
            {{ counts }}.control_converted_persons::numeric
            / nullif({{ counts }}.control_persons, 0) as control_conversion_rate,
            ({{ counts }}.responded_persons + {{ counts }}.control_responded_persons)::numeric
            / nullif({{ counts }}.treated_persons + {{ counts }}.control_persons, 0) as pooled_response_rate,
            {{ crm_segments.wilson_bound(counts ~ '.responded_persons', counts ~ '.treated_persons', -1) }}
                as treated_rate_low,
            {{ crm_segments.wilson_bound(counts ~ '.responded_persons', counts ~ '.treated_persons', 1) }}
                as treated_rate_high,
            {{ crm_segments.wilson_bound(counts ~ '.control_responded_persons', counts ~ '.control_persons', -1) }}
                as control_rate_low,
            {{ crm_segments.wilson_bound(counts ~ '.control_responded_persons', counts ~ '.control_persons', 1) }}
                as control_rate_high,
            {{ counts }}.treated_revenue / nullif({{ counts }}.treated_persons, 0) as treated_revenue_per_person,
            {{ counts }}.control_revenue / nullif({{ counts }}.control_persons, 0) as control_revenue_per_person,
            case when ({{ cost }}) > 0 then ({{ cost }}) end as positive_cost
    ) as raw_rates
    cross join lateral (
        select
            raw_rates.treated_response_rate - raw_rates.control_response_rate as uplift,
            sqrt(
                raw_rates.pooled_response_rate * (1 - raw_rates.pooled_response_rate)
                * (1.0 / nullif({{ counts }}.treated_persons, 0) + 1.0 / nullif({{ counts }}.control_persons, 0))
            ) as pooled_standard_error,
            -- (treated - control per person) x treated persons, written so that no rounded
            -- per-person figure is multiplied back up
            case when {{ counts }}.treated_persons > 0 then
                {{ counts }}.treated_revenue
                - {{ counts }}.control_revenue * {{ counts }}.treated_persons / nullif({{ counts }}.control_persons, 0)
            end as incremental_revenue,
            case when {{ counts }}.treated_persons > 0 then
                {{ counts }}.responded_persons
                - {{ counts }}.control_responded_persons::numeric * {{ counts }}.treated_persons
                / nullif({{ counts }}.control_persons, 0)
            end as incremental_responders
    ) as raw_uplift
    cross join lateral (
        select
            round(raw_rates.treated_response_rate, 6) as treated_response_rate,
            round(raw_rates.control_response_rate, 6) as control_response_rate,
            round(raw_rates.treated_conversion_rate, 6) as treated_conversion_rate,
            round(raw_rates.control_conversion_rate, 6) as control_conversion_rate,
            round(raw_rates.treated_conversion_rate - raw_rates.control_conversion_rate, 6) as conversion_uplift,
            round(raw_uplift.uplift, 6) as uplift,
            round(
                raw_uplift.uplift - sqrt(
                    power(raw_rates.treated_response_rate - raw_rates.treated_rate_low, 2)
                    + power(raw_rates.control_rate_high - raw_rates.control_response_rate, 2)
                ), 6
            ) as uplift_ci_low,
            round(
                raw_uplift.uplift + sqrt(
                    power(raw_rates.treated_rate_high - raw_rates.treated_response_rate, 2)
                    + power(raw_rates.control_response_rate - raw_rates.control_rate_low, 2)
                ), 6
            ) as uplift_ci_high,
            round(raw_uplift.uplift / nullif(raw_uplift.pooled_standard_error, 0), 4) as uplift_z,
            round(raw_uplift.incremental_responders, 2) as incremental_responders,
            round(raw_rates.treated_revenue_per_person, 4) as treated_revenue_per_person,
            round(raw_rates.control_revenue_per_person, 4) as control_revenue_per_person,
            round(raw_uplift.incremental_revenue, 2) as incremental_revenue,
            round(100 * raw_uplift.incremental_revenue / raw_rates.positive_cost, 2) as roi_pct,
            round(100 * {{ counts }}.treated_revenue / raw_rates.positive_cost, 2) as naive_revenue_roi_pct,
            coalesce(
                abs(raw_uplift.uplift / nullif(raw_uplift.pooled_standard_error, 0)) >= {{ var('uplift_confidence_z') }},
                false
            ) as is_uplift_significant,
            raw_rates.positive_cost is not null as has_cost
    ) as measures
    cross join lateral (
        select
            case
                when {{ counts }}.treated_persons = 0 then 'no_treated_persons'
                when {{ counts }}.control_persons < {{ var('campaign_min_control_persons') }}
                    then 'control_group_too_small'
                when not measures.has_cost then 'no_cost'
                when measures.roi_pct >= {{ var('roi_strong_pct') }} then 'roi_at_least_strong_pct'
                when measures.roi_pct >= {{ var('roi_pays_back_pct') }} then 'roi_at_least_pays_back_pct'
                else 'roi_below_pays_back_pct'
            end as verdict_reason
    ) as judged
    cross join lateral (
        select
            case judged.verdict_reason
                when 'roi_at_least_strong_pct' then 'strong'
                when 'roi_at_least_pays_back_pct' then 'pays_back'
                when 'roi_below_pays_back_pct' then 'loses'
                else 'not_measurable'
            end as verdict
    ) as verdicts
{%- endmacro %}


{% macro wilson_bound(successes, trials, direction) -%}
    {{ return(adapter.dispatch('wilson_bound', 'crm_segments')(successes, trials, direction)) }}
{%- endmacro %}

{#- Lower (direction -1) or upper (1) bound of the Wilson score interval of the proportion
    successes / trials at z = var uplift_confidence_z:
    (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n). NULL when trials is 0. -#}
{% macro default__wilson_bound(successes, trials, direction) -%}
    {%- set z = var('uplift_confidence_z') -%}
    (
        ({{ successes }})::numeric / nullif({{ trials }}, 0)
        + {{ z }} * {{ z }} / (2.0 * nullif({{ trials }}, 0))
        + ({{ direction }}) * {{ z }} * sqrt(
            ({{ successes }})::numeric / nullif({{ trials }}, 0)
            * (1 - ({{ successes }})::numeric / nullif({{ trials }}, 0)) / nullif({{ trials }}, 0)
            + {{ z }} * {{ z }} / (4.0 * nullif({{ trials }}, 0) * nullif({{ trials }}, 0))
        )
    ) / (1 + {{ z }} * {{ z }} / nullif({{ trials }}, 0))
{%- endmacro %}


{% macro segment_labels_at(events, date_column) -%}
    {{ return(adapter.dispatch('segment_labels_at', 'crm_segments')(events, date_column)) }}
{%- endmacro %}

{#- A select over the CTE `events` (with customer_id and a date column): every event once per
    segment type of segment_membership, with the person's label of that type on the date. The
    labels come from the one stored history, int_customer_segment_history, read as
    segment_membership publishes it: cut at the build's as-of date (macro segment_history_as_of),
    so a build with an earlier as-of date never sees a label recorded after it. The history
    starts at the first build it recorded (the smallest valid_from): on or after that day the
    label is the row valid on the date (valid_from <= date < valid_to), or '(none)' when the
    person had no label of the type then; before it, nothing is known about the date, and the
    person's earliest recorded label of the type stands in (on a first build: the build's own).
    is_label_at_date says whether the label was valid on the date itself. One hash join on
    (customer_id, segment_type); at most one row matches, since a person's periods of one type
    never overlap. -#}
{% macro default__segment_labels_at(events, date_column) -%}
    with

    -- not materialized: a CTE read three times is written out first and hides the table's
    -- statistics; the planner then took every person's label for the same one of 200 and
    -- hashed the events x types side of the join in more batches (at 100k customers 3.5 M rows
    -- in 64 batches, against 32)
    membership as not materialized (

        select * from {{ ref('segment_membership') }}

    ),

    segment_types as (

        select distinct membership.segment_type from membership

    ),

    history as (

        select min(membership.valid_from) as first_run from membership

    ),

    marked as (

        select
            membership.customer_id,
            membership.segment_type,
            membership.segment_value,
            membership.valid_from,
            membership.valid_to,
            membership.valid_from = min(membership.valid_from) over (
                partition by membership.customer_id, membership.segment_type
            ) as is_first
        from membership

    )

    select
        {{ events }}.*,
        segment_types.segment_type,
        coalesce(marked.segment_value, '(none)') as segment_value,
        coalesce(marked.valid_from <= {{ events }}.{{ date_column }}, false) as is_label_at_date
    from {{ events }}
    cross join segment_types
    cross join history
    left join marked
        on
            {{ events }}.customer_id = marked.customer_id
            and segment_types.segment_type = marked.segment_type
            and (
                (
                    {{ events }}.{{ date_column }} >= history.first_run
                    and marked.valid_from <= {{ events }}.{{ date_column }}
                    and (marked.valid_to is null or marked.valid_to > {{ events }}.{{ date_column }})
                )
                or ({{ events }}.{{ date_column }} < history.first_run and marked.is_first)
            )
{%- endmacro %}


{% macro smoothed_rate(successes, trials, prior_rate) -%}
    {{ return(adapter.dispatch('smoothed_rate', 'crm_segments')(successes, trials, prior_rate)) }}
{%- endmacro %}

{#- The mean of the beta posterior of a response rate: (successes + m * prior) / (trials + m),
    m = var nba_prior_strength. With no trials it is the prior; with many, the observed rate;
    never 0 or 1 unless the prior is. -#}
{% macro default__smoothed_rate(successes, trials, prior_rate) -%}
    (({{ successes }}) + {{ var('nba_prior_strength') }} * ({{ prior_rate }}))
    / (({{ trials }}) + {{ var('nba_prior_strength') }})::numeric
{%- endmacro %}


{% macro nps_class(score) -%}
    {{ return(adapter.dispatch('nps_class', 'crm_segments')(score)) }}
{%- endmacro %}

{#- promoter (score >= var nps_promoter_min_score, 9), detractor (score <= var
    nps_detractor_max_score, 6), passive in between; NULL for NULL. -#}
{% macro default__nps_class(score) -%}
    case
        when ({{ score }}) >= {{ var('nps_promoter_min_score') }} then 'promoter'
        when ({{ score }}) <= {{ var('nps_detractor_max_score') }} then 'detractor'
        when ({{ score }}) is not null then 'passive'
    end
{%- endmacro %}


{% macro nps_score_of(promoters, detractors, responses) -%}
    {{ return(adapter.dispatch('nps_score_of', 'crm_segments')(promoters, detractors, responses)) }}
{%- endmacro %}

{#- NPS = % promoters - % detractors, in [-100, 100], 2 decimals; NULL without responses. -#}
{% macro default__nps_score_of(promoters, detractors, responses) -%}
    round(100.0 * (({{ promoters }}) - ({{ detractors }})) / nullif({{ responses }}, 0), 2)
{%- endmacro %}


{#- run-operation after the next-best-action backtest build (`crm-segments evaluate nba`):
    drops, in the backtest's intermediate schema, every table whose model declares a meta.pii
    column (entity resolution's copies of names, e-mails, phones, addresses). The backtest needs
    only the propensities and the cells, which hold none; the erasure scrub (scrub_erased_pii)
    covers the build's own schemas, not this scratch copy, so the copy must not outlive the
    backtest build. Refuses to run unless var intermediate_schema ends in _nba_backtest. -#}
{% macro drop_backtest_pii() -%}
    {%- set schema = var('intermediate_schema', 'intermediate') -%}
    {%- if not schema.endswith('_nba_backtest') -%}
        {{ exceptions.raise_compiler_error('drop_backtest_pii: var intermediate_schema (' ~ schema ~ ') is not a backtest schema (*_nba_backtest)') }}
    {%- endif -%}
    {%- set dropped = [] -%}
    {%- for node in graph.nodes.values() | sort(attribute='name') -%}
        {%- if node.resource_type == 'model' and node.package_name == 'crm_segments'
            and node.fqn[1] == 'intermediate' and node.schema == schema -%}
            {%- set pii = [] -%}
            {%- for name, column in node.columns.items() if column.meta.get('pii', false) -%}
                {%- do pii.append(name) -%}
            {%- endfor -%}
            {%- if pii -%}
                {%- do dropped.append((node.alias or node.name, 'view' if node.config.materialized == 'view' else 'table')) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set sql -%}
begin;
{%- for name, kind in dropped %}
drop {{ kind }} if exists {{ adapter.quote(schema) }}.{{ adapter.quote(name) }} cascade;
{%- endfor %}
commit;
    {%- endset -%}
    {%- do run_query(sql) -%}
    {{ log('crm_segments: dropped the ' ~ dropped | length ~ ' backtest relations that hold personal data from ' ~ schema, info=true) }}
{%- endmacro %}
