{#- Shared pieces of the segment rules (issue 5): UTC months of timestamps, month arithmetic,
    rank-based scores with a deterministic tie rule. The as-of date and the reference month are
    in macros/as_of.sql. -#}

{% macro utc_month(ts) -%}
    {{ return(adapter.dispatch('utc_month', 'crm_segments')(ts)) }}
{%- endmacro %}

{#- First day of the UTC calendar month of a timestamptz, as a date. -#}
{% macro default__utc_month(ts) -%}
    date_trunc('month', ({{ ts }}) at time zone 'UTC')::date
{%- endmacro %}


{% macro utc_date(ts) -%}
    {{ return(adapter.dispatch('utc_date', 'crm_segments')(ts)) }}
{%- endmacro %}

{% macro default__utc_date(ts) -%}
    (({{ ts }}) at time zone 'UTC')::date
{%- endmacro %}


{% macro months_between(from_date, to_date) -%}
    {{ return(adapter.dispatch('months_between', 'crm_segments')(from_date, to_date)) }}
{%- endmacro %}

{#- Whole calendar months from from_date to to_date: 2025-01-31 -> 2026-01-31 is 12,
    2025-01-31 -> 2026-01-30 is 11. Negative when to_date is earlier. -#}
{% macro default__months_between(from_date, to_date) -%}
    (
        (extract(year from {{ to_date }})::int - extract(year from {{ from_date }})::int) * 12
        + extract(month from {{ to_date }})::int - extract(month from {{ from_date }})::int
        - case
            when {{ to_date }} >= {{ from_date }}
                and extract(day from {{ to_date }}) < extract(day from {{ from_date }}) then 1
            when {{ to_date }} < {{ from_date }}
                and extract(day from {{ to_date }}) > extract(day from {{ from_date }}) then -1
            else 0
        end
    )
{%- endmacro %}


{% macro month_index(month) -%}
    {{ return(adapter.dispatch('month_index', 'crm_segments')(month)) }}
{%- endmacro %}

{#- Calendar months since year 0 (differences are month counts between two months). -#}
{% macro default__month_index(month) -%}
    (extract(year from {{ month }})::int * 12 + extract(month from {{ month }})::int)
{%- endmacro %}


{% macro rank_score(order_by, population_size, buckets) -%}
    {{ return(adapter.dispatch('rank_score', 'crm_segments')(order_by, population_size, buckets)) }}
{%- endmacro %}

{#- Score 1..buckets by quantile of rank: 1 + floor(buckets * (rank - 1) / n), where rank() is
    taken in ascending order of goodness (the worst first). Ties share the rank of their first
    member, hence the same (lower) score: the rule never splits equal values. Must be used as a
    window expression over the scored population; order_by is the window's order by list. -#}
{% macro default__rank_score(order_by, population_size, buckets) -%}
    (1 + floor({{ buckets }} * (rank() over (order by {{ order_by }}) - 1)::numeric / {{ population_size }}))::int
{%- endmacro %}


{% macro segment_labels_long(relation) -%}
    {{ return(adapter.dispatch('segment_labels_long', 'crm_segments')(relation)) }}
{%- endmacro %}

{#- The labels of customer_segments in long form: one row per person and segment type with a
    value (a NULL label is no row). The one list of segment types of segment_membership. -#}
{% macro default__segment_labels_long(relation) -%}
    select
        segments.customer_id,
        labels.segment_type,
        labels.segment_value
    from {{ relation }} as segments
    cross join
        lateral (
            values
            ('rfm_segment', segments.rfm_segment),
            ('cohort_month', to_char(segments.cohort_month, 'YYYY-MM')),
            ('tenure_band', segments.tenure_band),
            ('value_tier', segments.value_tier),
            ('traffic_light', segments.traffic_light),
            ('lifecycle_stage', segments.lifecycle_stage),
            ('renewal_bucket', segments.renewal_bucket),
            ('cluster', segments.cluster_label),
            ('preferred_channel', segments.preferred_channel)
        ) as labels (segment_type, segment_value)
    where labels.segment_value is not null
{%- endmacro %}


{% macro segment_history_as_of(stored, labels, as_of_date) -%}
    {{ return(adapter.dispatch('segment_history_as_of', 'crm_segments')(stored, labels, as_of_date)) }}
{%- endmacro %}

{#- The segment history as of a date, from a stored history and the labels of that date: the
    stored rows that began before the as-of date (a row that ended on or after it is open again:
    the run restates its as-of date), each open one closed at the as-of date when the label
    changed or disappeared, and a row opened at the as-of date for every new value. Returns a
    query with customer_id, segment_type, segment_value, valid_from, valid_to and
    is_changed_key (true for every row of a person and type whose label changed at the as-of
    date). Applying it again to its own result with the same labels and date gives the same
    rows. -#}
{% macro default__segment_history_as_of(stored, labels, as_of_date) -%}
    with

    as_of as (

        select {{ as_of_date }} as as_of_date

    ),

    stored_rows as (

        select
            stored.customer_id,
            stored.segment_type,
            stored.segment_value,
            stored.valid_from,
            stored.valid_to
        from {{ stored }} as stored

    ),

    before as (

        select
            stored_rows.customer_id,
            stored_rows.segment_type,
            stored_rows.segment_value,
            stored_rows.valid_from,
            case when stored_rows.valid_to >= as_of.as_of_date then null else stored_rows.valid_to end as valid_to
        from stored_rows
        cross join as_of
        where stored_rows.valid_from < as_of.as_of_date

    ),

    label_rows as (

        select
            labels.customer_id,
            labels.segment_type,
            labels.segment_value
        from {{ labels }} as labels

    ),

    changes as (

        select
            coalesce(open_rows.customer_id, label_rows.customer_id) as customer_id,
            coalesce(open_rows.segment_type, label_rows.segment_type) as segment_type,
            open_rows.segment_value as closed_value,
            open_rows.valid_from as closed_valid_from,
            label_rows.segment_value as opened_value
        from (select * from before where valid_to is null) as open_rows
        full outer join label_rows
            on open_rows.customer_id = label_rows.customer_id
                and open_rows.segment_type = label_rows.segment_type
        where open_rows.segment_value is distinct from label_rows.segment_value

    ),

    history as (

        select
            before.customer_id,
            before.segment_type,
            before.segment_value,
            before.valid_from,
            case
                when changes.closed_valid_from is not null then as_of.as_of_date else before.valid_to
            end as valid_to
        from before
        cross join as_of
        left join changes
            on before.customer_id = changes.customer_id
                and before.segment_type = changes.segment_type
                and before.valid_from = changes.closed_valid_from
                and before.valid_to is null
        union all
        select
            changes.customer_id,
            changes.segment_type,
            changes.opened_value as segment_value,
            as_of.as_of_date as valid_from,
            null::date as valid_to
        from changes
        cross join as_of
        where changes.opened_value is not null

    )

    select
        history.customer_id,
        history.segment_type,
        history.segment_value,
        history.valid_from,
        history.valid_to,
        exists(
            select 1
            from changes
            where changes.customer_id = history.customer_id and changes.segment_type = history.segment_type
        ) as is_changed_key
    from history
{%- endmacro %}


{% macro segment_history_restore(relation) -%}
    {{ return(adapter.dispatch('segment_history_restore', 'crm_segments')(relation)) }}
{%- endmacro %}

{#- Pre-hook of int_customer_segment_history: undo what a build with the same or a later as-of
    date recorded at or after this build's as-of date (rows that ended then are open again, rows
    that began then are removed), when this build's as-of date is not before the latest
    recorded one. Runs in the model's transaction: a failed build undoes nothing. -#}
{% macro default__segment_history_restore(relation) -%}
    {%- if is_incremental() -%}
        {%- set forward_as_of -%}
            (
                select {{ crm_segments.as_of_date() }}
                from (select max(stored.valid_from) as latest_valid_from from {{ relation }} as stored) as latest
                where {{ crm_segments.as_of_date() }} >= coalesce(latest.latest_valid_from, {{ crm_segments.as_of_date() }})
            )
        {%- endset -%}
        update {{ relation }} set valid_to = null where valid_to >= {{ forward_as_of }};
        delete from {{ relation }} where valid_from >= {{ forward_as_of }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
