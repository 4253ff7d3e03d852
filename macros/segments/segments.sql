{#- Shared pieces of the segment rules (issue 5): the as-of date, the reference month, UTC
    months of timestamps, rank-based scores with a deterministic tie rule. -#}

{% macro segments_as_of_date() -%}
    {{ return(adapter.dispatch('segments_as_of_date', 'crm_segments')()) }}
{%- endmacro %}

{#- The "today" of the segment rules: the var as_of_date, else current_date. -#}
{% macro default__segments_as_of_date() -%}
    {{ crm_segments.standardize_as_of_date() }}
{%- endmacro %}


{% macro segments_reference_month() -%}
    {{ return(adapter.dispatch('segments_reference_month', 'crm_segments')()) }}
{%- endmacro %}

{#- The last complete month on or before the as-of date (2026-10-31 -> 2026-10-01,
    2026-11-23 -> 2026-10-01): monthly rules never read a month that is still running. -#}
{% macro default__segments_reference_month() -%}
    (date_trunc('month', {{ crm_segments.segments_as_of_date() }} + 1) - interval '1 month')::date
{%- endmacro %}


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
