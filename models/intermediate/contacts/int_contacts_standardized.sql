{#- One row per staged contact record, standardized: the two parts that dbt writes at once
    (macro contacts_standardized), read as one relation by entity resolution and the tests. A
    view: the union costs no copy of the rows, and it stores no personal data itself (the
    erasure scrub covers the two tables). -#}
{{ config(materialized='view') }}
with

part_a as (

    select * from {{ ref('int_contacts_standardized_part_a') }}

),

part_b as (

    select * from {{ ref('int_contacts_standardized_part_b') }}

),

-- the parts are one macro's output, so their columns agree by construction (listing them here
-- would be a second copy of the macro's to keep in step)
final as (

    select * from part_a
    union all
    select * from part_b

)

select * from final  -- noqa: AM04
