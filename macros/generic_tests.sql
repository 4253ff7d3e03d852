{#- Generic data tests (thin wrappers that dispatch, as in dbt-utils). -#}

{% test unique_combination_of_columns(model, combination_of_columns) %}
    {{ return(adapter.dispatch('test_unique_combination_of_columns', 'crm_segments')(model, combination_of_columns)) }}
{% endtest %}

{#- On a table of at least var unique_test_sort_min_rows rows (its estimate in pg_class, which the
    analyze_table post-hook keeps current) the keys are sorted first and then counted in that
    order: with millions of keys, nearly all distinct, PostgreSQL's hash aggregate spills to
    disk in batches and took up to twice as long (BENCHMARKS.md, section 1). Below it, on a view
    and on a test's `where` subquery, the hash aggregate is faster or the size unknown, and
    PostgreSQL plans it. -#}
{% macro default__test_unique_combination_of_columns(model, combination_of_columns) %}
{%- set sort_first = false -%}
{%- if execute and model.identifier is defined -%}
    {%- set estimate = run_query(
        "select coalesce(max(c.reltuples), -1) from pg_class as c"
        ~ " inner join pg_namespace as n on c.relnamespace = n.oid"
        ~ " where n.nspname = '" ~ model.schema ~ "' and c.relname = '" ~ model.identifier ~ "'"
    ).columns[0].values()[0] -%}
    {%- set sort_first = estimate >= var('unique_test_sort_min_rows', 5000000) | int -%}
{%- endif %}
select
    {{ combination_of_columns | join(', ') }},
    count(*) as n_rows
from
    {%- if sort_first %}
    (
        select {{ combination_of_columns | join(', ') }}
        from {{ model }}
        order by {{ combination_of_columns | join(', ') }}
    ) as sorted_keys
    {%- else %}
    {{ model }}
    {%- endif %}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endmacro %}


{#- The not-null rule of several columns of a model in one test: one scan of the model and one
    dbt node, where a not_null test per column scans it once per column (each test is a node of
    its own, and the build's cost per node is dbt's). A failure is a row with no value in at least
    one of the columns; null_columns names them. -#}
{% test columns_not_null(model, columns) %}
    {{ return(adapter.dispatch('test_columns_not_null', 'crm_segments')(model, columns)) }}
{% endtest %}

{% macro default__test_columns_not_null(model, columns) %}
select
    concat_ws(
        ', '
        {%- for column in columns %},
        case when {{ column }} is null then '{{ column }}' end
        {%- endfor %}
    ) as null_columns
from {{ model }}
where
    {%- for column in columns %}
    {{ 'or ' if not loop.first }}{{ column }} is null
    {%- endfor %}
{% endmacro %}


{#- accepted_values for several text columns of a model in one test: one scan (the few
    offending rows are then counted per column and value) and one dbt node, where a test per
    column scans the model once each. Like accepted_values, NULL passes; a failure is a column's
    value outside its list, with the number of rows that hold it. -#}
{% test columns_accepted_values(model, values_by_column) %}
    {{ return(adapter.dispatch('test_columns_accepted_values', 'crm_segments')(model, values_by_column)) }}
{% endtest %}

{% macro default__test_columns_accepted_values(model, values_by_column) %}
{%- set checks = [] -%}
{%- for column, values in values_by_column.items() -%}
    {%- set quoted = [] -%}
    {%- for value in values -%}
        {%- do quoted.append("'" ~ (value | string | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {%- do checks.append((column, column ~ " not in (" ~ quoted | join(", ") ~ ")")) -%}
{%- endfor %}
with

unexpected_rows as (

    select {% for column, _ in checks %}{{ column }}{{ ", " if not loop.last }}{% endfor %}
    from {{ model }}
    where
        {%- for _, outside in checks %}
        {{ 'or ' if not loop.first }}{{ outside }}
        {%- endfor %}

)

{% for column, outside in checks -%}
select
    '{{ column }}' as column_name,
    {{ column }}::text as unexpected_value,
    count(*) as n_rows
from unexpected_rows
where {{ outside }}
group by {{ column }}
{{ 'union all' if not loop.last }}
{% endfor %}
{% endmacro %}


{#- Every raw row of a source table is either staged or quarantined: raw = staged + quarantined. -#}
{% test rows_accounted_for(model, staged, source_table) %}
    {{ return(adapter.dispatch('test_rows_accounted_for', 'crm_segments')(model, staged, source_table)) }}
{% endtest %}

{% macro default__test_rows_accounted_for(model, staged, source_table) %}
with

counts as (

    select
        (select count(*) from {{ model }}) as raw_rows,
        (select count(*) from {{ staged }}) as staged_rows,
        (
            select count(*) from {{ ref('int_source_rows_quarantined') }}
            where
                source_table = '{{ source_table }}'
                -- rows quarantined after staging (e.g. consent events on unknown records) are
                -- also staged rows: only the staging reasons complete raw = staged + quarantined
                and reason_code in (
                    select reasons.reason_code from {{ ref('quarantine_reasons') }} as reasons
                    where reasons.is_staging_reason
                )
        ) as quarantined_rows

)

select * from counts
where raw_rows != staged_rows + quarantined_rows
{% endmacro %}


{#- Ratchet on data quality: at most max_share of the rows may have a true `column`. -#}
{% test share_at_most(model, column_name, max_share) %}
    {{ return(adapter.dispatch('test_share_at_most', 'crm_segments')(model, column_name, max_share)) }}
{% endtest %}

{% macro default__test_share_at_most(model, column_name, max_share) %}
with

shares as (

    select
        count(*) as n_rows,
        count(*) filter (where {{ column_name }}) as n_flagged
    from {{ model }}

)

select * from shares
where n_flagged > {{ max_share }} * n_rows
{% endmacro %}


{#- Every non-null value lies in [min_value, max_value]. -#}
{% test between(model, column_name, min_value, max_value) %}
    {{ return(adapter.dispatch('test_between', 'crm_segments')(model, column_name, min_value, max_value)) }}
{% endtest %}

{% macro default__test_between(model, column_name, min_value, max_value) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endmacro %}


{#- Every row satisfies a SQL condition (rows where it is false are failures; NULL counts as
    true, so a condition on a nullable column holds where the column is NULL). -#}
{% test expression_is_true(model, expression, column_name=none) %}
    {{ return(adapter.dispatch('test_expression_is_true', 'crm_segments')(model, expression)) }}
{% endtest %}

{% macro default__test_expression_is_true(model, expression) %}
select *
from {{ model }}
where not coalesce({{ expression }}, true)
{% endmacro %}
