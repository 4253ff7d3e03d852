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

connected_identifiers as (

    select
        identifiers.identifier_type,
        identifiers.identifier_value,
        count(*) as record_count,
        count(distinct resolved.customer_id) as person_count,
        row_number() over (
            order by
                count(*) desc, count(distinct resolved.customer_id) desc,
                identifiers.identifier_type, identifiers.identifier_value asc
        ) as connection_rank
    from identifiers
    inner join resolved
        on identifiers.contact_key = resolved.contact_key
    where not identifiers.is_junk
    group by identifiers.identifier_type, identifiers.identifier_value

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
    from connected_identifiers
    where connection_rank <= {{ var('audit_top_identifiers', 50) }}

)

select * from final
