{#- One row per billing account named on a resolved contact record, with the person who holds it.
    An account's records normally resolve to one person; when they resolve to several (a
    household member's record typed under the account), the holder is the person with the most
    records on the account, then the best source (var source_priority, billing first), then the
    most recent record, then the smallest customer_id. Subscriptions, usage, transactions,
    campaign contacts, interactions, NPS and loyalty events reach a person through this model. -#}
with

records as (

    select * from {{ ref('int_contacts_resolved') }}
    where account_id is not null

),

per_person as (

    select
        account_id,
        customer_id,
        count(*) as record_count,
        min(source_priority_rank) as best_source_priority_rank,
        max(updated_at) as last_updated_at
    from records
    group by account_id, customer_id

),

ranked as (

    select
        *,
        count(*) over (partition by account_id) as person_count,
        sum(record_count) over (partition by account_id) as account_record_count,
        row_number() over (
            partition by account_id
            order by
                record_count desc,
                best_source_priority_rank asc,
                last_updated_at desc nulls last,
                customer_id asc
        ) as holder_rank
    from per_person

),

final as (

    select
        account_id,
        customer_id,
        account_record_count as record_count,
        person_count,
        person_count > 1 as has_several_persons
    from ranked
    where holder_rank = 1

)

select * from final
