with

fields as (

    select * from {{ ref('int_contact_fields_profiled') }}

),

value_counts as (

    -- how many records of one source system carry each valid value
    select
        source_system,
        field_name,
        value_key,
        count(*) as record_count
    from fields
    where is_valid
    group by source_system, field_name, value_key

),

duplicates as (

    select
        source_system,
        field_name,
        sum(record_count) filter (where record_count > 1) as duplicated_count
    from value_counts
    group by source_system, field_name

),

scores as (

    select
        source_system,
        field_name,
        count(*) as record_count,
        count(*) filter (where is_present) as present_count,
        count(*) filter (where is_valid) as valid_count
    from fields
    group by source_system, field_name

),

final as (

    select
        scores.source_system,
        scores.field_name,
        scores.record_count::bigint as record_count,
        scores.present_count::bigint as present_count,
        scores.valid_count::bigint as valid_count,
        coalesce(duplicates.duplicated_count, 0)::bigint as duplicated_count,
        round(scores.present_count::numeric / nullif(scores.record_count, 0), 4) as completeness,
        round(scores.valid_count::numeric / nullif(scores.present_count, 0), 4) as validity,
        round(coalesce(duplicates.duplicated_count, 0)::numeric / nullif(scores.valid_count, 0), 4)
            as duplicate_rate
    from scores
    left join duplicates
        on
            scores.source_system = duplicates.source_system
            and scores.field_name = duplicates.field_name

)

select * from final
