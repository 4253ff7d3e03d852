{#- Where this project's models go, in one place (issue 14). The folder configs of
    dbt_project.yml name a layer (+schema: staging, intermediate, marts_build); this macro maps
    the layer to its var: staging_schema, intermediate_schema and the marts' build schema
    <marts_schema>__build (marts_build_schema). Other custom schemas are used as named (raw,
    dq_test_failures, ...), never prefixed with the target schema: the marts' schema name is part
    of the public interface.

    Vars are read here, at parse time of each node, and not in dbt_project.yml: a project that
    installs crm_segments as a package sets them in its own dbt_project.yml (globally or under
    `crm_segments:`), and dbt renders a package's dbt_project.yml with command-line vars only.
    dbt uses a package's own generate_schema_name for the package's nodes, so the consumer's
    schema naming does not apply to them. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set layer = (custom_schema_name or '') | trim -%}
    {%- if not layer -%}
        {{ target.schema }}
    {%- else -%}
        {{ crm_segments.layer_schema(layer) }}
    {%- endif -%}
{%- endmacro %}


{#- The schema of a layer named in dbt_project.yml (see above); any other name as it is. -#}
{% macro layer_schema(layer) -%}
    {%- if layer == 'staging' -%}
        {{ return(var('staging_schema', 'staging')) }}
    {%- elif layer == 'intermediate' -%}
        {{ return(var('intermediate_schema', 'intermediate')) }}
    {%- elif layer == 'marts_build' -%}
        {{ return(crm_segments.marts_build_schema()) }}
    {%- else -%}
        {{ return(layer) }}
    {%- endif -%}
{%- endmacro %}


{#- The relation of one of this project's models, read from the graph (the schema dbt resolved
    for it), for macros that run outside a model (publishing, erasure). -#}
{% macro model_relation(model_name) -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.package_name == 'crm_segments' and node.name == model_name -%}
            {{ return(adapter.quote(node.schema) ~ '.' ~ adapter.quote(node.alias or node.name)) }}
        {%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error('model_relation: no model ' ~ model_name ~ ' in crm_segments') }}
{%- endmacro %}
