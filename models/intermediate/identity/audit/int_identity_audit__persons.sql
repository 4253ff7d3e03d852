{#- One row per person with the number of their contact records and of the source systems
    they come from: what the two persons_by_* audit questions count. -#}
with

resolved as (

    select * from {{ ref('int_contacts_resolved') }}

),

final as (

    select
        customer_id,
        count(*) as record_count,
        count(distinct source_system) as source_count
    from resolved
    group by customer_id

)

select * from final
