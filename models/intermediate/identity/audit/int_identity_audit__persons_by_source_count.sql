{#- Audit question: how many persons come from 1, 2, 3, ... source systems (item = the number
    of sources of a person), and how many records they hold together. -#}
with

persons as (

    select * from {{ ref('int_identity_audit__persons') }}

),

final as (

    select
        'persons_by_source_count' as audit_section,
        source_count::text as item,
        null::text as identifier_type,
        null::text as detail,
        null::bigint as pair_count,
        null::numeric as metric_value,
        sum(record_count)::bigint as record_count,
        count(*)::bigint as person_count
    from persons
    group by source_count

)

select * from final
