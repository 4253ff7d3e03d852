{#- Bucket = first 32 bits of md5(var global_control_salt | customer_id) mod 10000: it depends
    on the customer_id alone, so it is the same in every rebuild and does not move when other
    customers arrive. Buckets below global_control_pct × 100 are the holdout. -#}
with

customers as (

    select customer_id from {{ ref('customers') }}

),

bucketed as (

    select
        customer_id,
        {{ crm_segments.global_control_bucket('customer_id') }} as control_bucket
    from customers

),

final as (

    select
        customer_id,
        control_bucket
    from bucketed
    where {{ crm_segments.global_control_member('customer_id') }}

)

select * from final
