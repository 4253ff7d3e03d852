{#- Audit question: how unevenly the candidate pairs fall on the records - the most pairs any
    one record is in, and the 99th percentile (one row, item max_pairs_of_one_record). -#}
with

-- not materialized: read twice, a CTE is written out first, every column of every pair (at 1M
-- customers this model took 30 times its 100k time); each read takes one key from the table
pair_matches as not materialized (

    select * from {{ ref('int_contact_pair_matches') }}

),

record_pair_counts as (

    select
        contact_key,
        count(*) as pair_count
    from (
        select left_contact_key as contact_key from pair_matches
        union all
        select right_contact_key as contact_key from pair_matches
    ) as pair_ends
    group by contact_key

),

final as (

    select
        'blocking' as audit_section,
        'max_pairs_of_one_record' as item,
        null::text as identifier_type,
        'the most candidate pairs any one record is in (metric_value); 99th percentile in pair_count'
            as detail,
        null::bigint as person_count,
        count(*)::bigint as record_count,
        (percentile_disc(0.99) within group (order by pair_count))::bigint as pair_count,
        max(pair_count)::numeric as metric_value
    from record_pair_counts

)

select * from final
