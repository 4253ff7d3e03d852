{#- Audit question: which connected components were too large (or did not settle) to be one
    person, so that their records were resolved as singletons. -#}
with

components as (

    select * from {{ ref('int_contact_components') }}

),

final as (

    select
        'oversize_component' as audit_section,
        component_key as item,
        null::text as identifier_type,
        null::bigint as person_count,
        null::bigint as pair_count,
        null::numeric as metric_value,
        case
            when bool_or(is_unsettled) then 'closure did not settle in component_iterations rounds'
            else 'more records than max_component_size ({{ var("max_component_size") }})'
        end || ': records resolved as singletons' as detail,
        count(*)::bigint as record_count
    from components
    where is_oversize
    group by component_key

)

select * from final
