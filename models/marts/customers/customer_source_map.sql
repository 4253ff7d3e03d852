with

resolved as (

    select * from {{ ref('int_contacts_resolved') }}

),

final as (

    select
        source_system,
        source_record_id,
        customer_id,
        match_rule,
        match_score::numeric(4, 2) as match_score,
        contact_key
    from resolved

)

select * from final
