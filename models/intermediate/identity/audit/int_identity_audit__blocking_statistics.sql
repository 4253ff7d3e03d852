{#- Audit question: how many candidate pairs blocking produced per resolvable record (one row,
    item candidate_pairs_per_record). -#}
with

-- not materialized: each CTE is counted twice, and a CTE read twice is written out first, every
-- column of every row; counted from the tables instead
resolved as not materialized (

    select * from {{ ref('int_contacts_resolved') }}

),

pair_matches as not materialized (

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
