{#- The identifiers (of every type, addresses too) on a record of an erased person:
    identity_graph_audit shows them as '(erased n)'. A view: it lists the
    values erasure removes everywhere else, so it stores none of them. -#}
{{ config(materialized='view') }}
with

identifiers as (

    select * from {{ ref('int_contact_identifiers') }}

),

resolved as (

    select * from {{ ref('int_contacts_resolved') }}

),

erased as (

    select * from {{ ref('int_customers_erased') }}

),

final as (

    select distinct
        identifiers.identifier_type,
        identifiers.identifier_value
    from identifiers
    inner join resolved
        on identifiers.contact_key = resolved.contact_key
    inner join erased
        on resolved.customer_id = erased.customer_id

)

select * from final
