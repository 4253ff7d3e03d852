{#- Every pair of contact records that is compared, and how each field compares: the two parts
    that dbt writes at once (macro contact_pairs_compared), read as one relation by the
    matching rules, `crm-segments identity train` and the tests. A view: the union costs no
    copy of the rows. -#}
{{ config(materialized='view') }}
with

part_a as (

    select * from {{ ref('int_contact_pairs_compared_part_a') }}

),

part_b as (

    select * from {{ ref('int_contact_pairs_compared_part_b') }}

),

-- the parts are one macro's output, so their columns agree by construction (listing the 56
-- columns here would be a second copy of the macro's to keep in step)
final as (

    select * from part_a
    union all
    select * from part_b

)

select * from final  -- noqa: AM04
