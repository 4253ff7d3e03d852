{#- Audit question: which identifiers were blocked as junk (they link nobody), and why. A
    view over int_identifiers_blocked: it lists identifier values, which only tables the
    erasure scrub covers may store; identity_graph_audit redacts erased persons' ones. -#}
{{ config(materialized='view') }}
with

blocked as (

    select * from {{ ref('int_identifiers_blocked') }}

),

final as (

    select
        'blocked_identifier' as audit_section,
        identifier_value as item,
        identifier_type,
        record_count::bigint as record_count,
        null::bigint as person_count,
        null::bigint as pair_count,
        null::numeric as metric_value,
        junk_reason || coalesce(': ' || listed_note, '') as detail
    from blocked

)

select * from final
