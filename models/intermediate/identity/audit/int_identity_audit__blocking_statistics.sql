{#- Audit question: how many candidate pairs blocking produced per resolvable record (one row,
    item candidate_pairs_per_record). -#}
with

resolved as (

    select * from {{ ref('int_contacts_resolved') }}

),

pair_matches as (

    select * from {{ ref('int_contact_pair_matches') }}

),

final as (

    select
        'blocking' as audit_section,
        'candidate_pairs_per_record' as item,
        null::text as identifier_type,
        'candidate pairs / resolvable records (metric_value); pairs in pair_count' as detail,
        null::bigint as person_count,
        (select count(*) from resolved)::bigint as record_count,
        (select count(*) from pair_matches)::bigint as pair_count,
        round(
            (select count(*) from pair_matches)::numeric
            / greatest((select count(*) from resolved), 1), 3
        ) as metric_value

)

select * from final
