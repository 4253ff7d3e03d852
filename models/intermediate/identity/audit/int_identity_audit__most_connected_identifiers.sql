{#- Audit question: which usable (non-junk) identifiers stand on the most resolved records -
    the var audit_top_identifiers of them, ranked by records, then persons. A view: it lists
    identifier values, perhaps of erased persons, which only tables the erasure scrub covers
    may store; identity_graph_audit redacts them. -#}
{{ config(materialized='view') }}
with

identifiers as (

    select * from {{ ref('int_contact_identifiers') }}

),

resolved as (

    select * from {{ ref('int_contacts_resolved') }}

),

-- each identifier's records per person, then per identifier: two hashed groupings, where one
-- count(distinct) sorted every (identifier, record) row
records_per_person as (

    select
        identifiers.identifier_type,
        identifiers.identifier_value,
        resolved.customer_id,
        count(*) as record_count
    from identifiers
    inner join resolved
        on identifiers.contact_key = resolved.contact_key
    where not identifiers.is_junk
    group by identifiers.identifier_type, identifiers.identifier_value, resolved.customer_id

),

connected_identifiers as (

    select
        identifier_type,
        identifier_value,
        sum(record_count) as record_count,
        count(customer_id) as person_count
    from records_per_person
    group by identifier_type, identifier_value

),

-- the first ones only (a bounded sort, not a sort of every identifier), ranked in the same order
top_identifiers as (

    select
        *,
        row_number() over (
            order by record_count desc, person_count desc, identifier_type asc, identifier_value asc
        ) as connection_rank
    from (
        select * from connected_identifiers
        order by record_count desc, person_count desc, identifier_type asc, identifier_value asc
        limit {{ var('audit_top_identifiers', 50) }}
    ) as ranked

),

final as (

    select
        'most_connected_identifier' as audit_section,
        identifier_value as item,
        identifier_type,
        record_count::bigint as record_count,
        person_count::bigint as person_count,
        null::bigint as pair_count,
        null::numeric as metric_value,
        'rank ' || connection_rank as detail
    from top_identifiers

)

select * from final
