{#- The predicate of a model written in parts (the var identity_parts): true for the rows whose
    key falls in part `part` (1 or 2) of `parts` (1 or 2), by the key's hash. The parts are
    disjoint and together hold every row whose key is not NULL; with `parts` 1, part 1 holds
    every such row and part 2 none. -#}
{% macro in_part(key, part, parts) -%}
    {{ return(adapter.dispatch('in_part', 'crm_segments')(key, part, parts)) }}
{%- endmacro %}

{% macro default__in_part(key, part, parts) -%}
    {%- if parts | int not in [1, 2] or part | int not in [1, 2] -%}
        {{ exceptions.raise_compiler_error('in_part: part ' ~ part ~ ' of ' ~ parts ~ ' (each is 1 or 2)') }}
    {%- endif -%}
    mod(hashtext({{ key }})::bigint + 2147483648, {{ parts | int }}) = {{ part | int }} - 1
{%- endmacro %}
