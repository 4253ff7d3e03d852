{#- One row per staged contact record, standardized: the two parts that dbt writes at once
    (macro contacts_standardized), read as one relation by entity resolution and the tests. A
    view: the union costs no copy of the rows, and it stores no personal data itself (the
    erasure scrub covers the two tables). Its columns are the documented ones
    (_contacts__models.yml), which leaves out the parts' bookkeeping column _input_digest. -#}
{{ config(materialized='view') }}
{%- set columns = model.columns.keys() | list if execute else ['*'] -%}
{%- if execute and not columns -%}
    {{ exceptions.raise_compiler_error('int_contacts_standardized: no documented columns to select') }}
{%- endif %}
with

part_a as (

    select * from {{ ref('int_contacts_standardized_part_a') }}

),

part_b as (

    select * from {{ ref('int_contacts_standardized_part_b') }}

),

final as (

    select
        {{ columns | join(',\n        ') }}
    from part_a
    union all
    select
        {{ columns | join(',\n        ') }}
    from part_b

)

select * from final
