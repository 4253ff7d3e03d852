{#- Persons whose personal data must be removed from every mart: reached by an active or past
    erasure_request suppression (effective_from on or before the consent "now"; the request
    does not end when its window does). The persons stay (customer_id, aggregates, consent
    and suppression) so that counts remain right and they are never contacted again; their
    names, contact addresses, birth date and national id are nulled in customers, and the
    PII values of their quarantined raw rows are nulled in dq_quarantine. -#}
with

erasures as (

    select * from {{ ref('int_suppressions_resolved') }}
    where
        reason = 'erasure_request'
        and customer_id is not null
        and (effective_from is null or effective_from <= {{ crm_segments.as_of_at() }})

),

final as (

    select
        customer_id,
        min(effective_from) as erasure_effective_from,
        min(suppression_id) as erasure_suppression_id
    from erasures
    group by customer_id

)

select * from final
