{#- Audit question: per kind of blocking key (item pairs_per_record:<kind>), the records
    carrying one, the blocks compared, the largest block compared, and the candidate pairs
    that share that kind of key (a pair may share several kinds). -#}
with

pair_matches as (

    select * from {{ ref('int_contact_pair_matches') }}

),

-- not materialized: a CTE read twice is written out first (at 1M customers 12.7 M rows)
blocking_keys as not materialized (

    select * from {{ ref('int_contact_blocking_keys') }}

),

-- each block once (its size is the same on each of its rows) and each record once per kind of
-- key, both hashed: two distinct counts per kind sorted every key row (at 1M customers, 0.9 GB
-- on disk)
blocks as (

    select
        block_type,
        block_key,
        max(block_size) as block_size
    from blocking_keys
    group by block_type, block_key

),

typed_records as (

    select
        block_type,
        contact_key
    from blocking_keys
    group by block_type, contact_key

),

block_type_records as (

    select
        block_type,
        count(contact_key) as record_count
    from typed_records
    group by block_type

),

block_type_blocks as (

    select
        block_type,
        count(block_key) filter (where block_size between 2 and {{ var('max_block_size') }}) as compared_block_count,
        max(block_size) filter (where block_size <= {{ var('max_block_size') }}) as largest_compared_block
    from blocks
    group by block_type

),

block_type_sizes as (

    select
        block_type_records.block_type,
        block_type_records.record_count,
        block_type_blocks.compared_block_count,
        block_type_blocks.largest_compared_block
    from block_type_records
    inner join block_type_blocks on block_type_records.block_type = block_type_blocks.block_type

),

block_type_pairs as (

    select
        pair_block_types.block_type,
        count(*) as pair_count
    from pair_matches
    cross join lateral unnest(string_to_array(pair_matches.block_types, ',')) as pair_block_types (block_type)
    group by pair_block_types.block_type

),

final as (

    select
        'blocking' as audit_section,
        block_type_sizes.block_type as identifier_type,
        block_type_sizes.record_count::bigint as record_count,
        null::bigint as person_count,
        'pairs_per_record:' || block_type_sizes.block_type as item,
        'records with this kind of key (record_count), candidate pairs sharing it (pair_count), '
        || 'pairs per such record (metric_value); ' || block_type_sizes.compared_block_count
        || ' blocks compared, the largest of ' || coalesce(block_type_sizes.largest_compared_block, 0)
        || ' records' as detail,
        coalesce(block_type_pairs.pair_count, 0)::bigint as pair_count,
        round(coalesce(block_type_pairs.pair_count, 0)::numeric / greatest(block_type_sizes.record_count, 1), 3)
            as metric_value
    from block_type_sizes
    left join block_type_pairs
        on block_type_sizes.block_type = block_type_pairs.block_type

)

select * from final
