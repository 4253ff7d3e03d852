{#- Behavioural clusters (issue 6): the SQL side of the model that `crm-segments cluster fit`
    stores. Documented in macros/clusters/_clusters__macros.yml. -#}

{#- select from a source table that may not exist yet (the cluster model tables are created by
    the first fit): the columns cast to their types, or no rows of the same shape. -#}
{% macro optional_source(source_name, table_name, columns) -%}
    {{ return(adapter.dispatch('optional_source', 'crm_segments')(source_name, table_name, columns)) }}
{%- endmacro %}

{% macro default__optional_source(source_name, table_name, columns) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- set found = execute and adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier
    ) is not none -%}
    select
    {%- for column in columns %}
        {% if found %}{{ column[0] }}{% else %}null{% endif %}::{{ column[1] }} as {{ column[0] }}
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
    {%- if found %}
    from {{ relation }}
    {%- else %}
    where false
    {%- endif %}
{%- endmacro %}

{#- a feature in the units the scaler was fitted on: log1p = ln(1 + max(x, 0)), none = as is;
    transform is a SQL expression holding the stored transform name (NULL reads as none) -#}
{% macro cluster_feature_transform(expr, transform) -%}
    {{ return(adapter.dispatch('cluster_feature_transform', 'crm_segments')(expr, transform)) }}
{%- endmacro %}

{% macro default__cluster_feature_transform(expr, transform) -%}
    case when {{ transform }} = 'log1p' then ln(1 + greatest(({{ expr }})::float8, 0)) else ({{ expr }})::float8 end
{%- endmacro %}


{#- The cluster model version that scores: the newest stored, or the one pinned by the var
    cluster_model_version (one row, NULL before the first fit). `models` is the relation (or
    CTE name) of the stored models. -#}
{% macro scoring_cluster_model(models) -%}
select max(models.model_version) as model_version
    from {{ models }} as models
    {% if var('cluster_model_version', none) is not none -%}
        where models.model_version = {{ var('cluster_model_version') | int }}
    {%- endif %}
{%- endmacro %}
