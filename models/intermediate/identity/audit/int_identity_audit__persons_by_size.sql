{#- Audit questions: how many persons have 1, 2, 3, ... contact records (section
    persons_by_record_count), and how many come from 1, 2, 3, ... source systems (section
    persons_by_source_count); item = that number, with the records those persons hold together. -#}
with

resolved as (

    select * from {{ ref('int_contacts_resolved') }}

),

persons as (

    select
        customer_id,
        count(*) as record_count,
        count(distinct source_system) as source_count
    from resolved
    group by customer_id

),

-- each person twice: once by their number of records, once by their number of sources
sized as (

    select
        sizes.audit_section,
        sizes.size,
        persons.record_count
    from persons
    cross join
        lateral (
            values
            ('persons_by_record_count', persons.record_count),
            ('persons_by_source_count', persons.source_count)
        ) as sizes (audit_section, size)

),

final as (

    select
        audit_section,
        size::text as item,
        null::text as identifier_type,
        null::text as detail,
        null::bigint as pair_count,
        null::numeric as metric_value,
        sum(record_count)::bigint as record_count,
        count(*)::bigint as person_count
    from sized
    group by audit_section, size

)

select * from final
