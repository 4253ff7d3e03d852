{#- The identity graph at a glance, one row per (section, item): persons by number of records
    and of sources, matches and rejected pairs by rule/reason, blocking statistics, the most
    connected identifiers, the blocked junk identifiers, skipped blocks, oversize components. -#}
with

resolved as (

    select * from {{ ref('int_contacts_resolved') }}

),

pair_matches as (

    select * from {{ ref('int_contact_pair_matches') }}

),

identifiers as (

    select * from {{ ref('int_contact_identifiers') }}

),

blocked as (

    select * from {{ ref('int_identifiers_blocked') }}

),

blocking_keys as (

    select * from {{ ref('int_contact_blocking_keys') }}

),

components as (

    select * from {{ ref('int_contact_components') }}

),

persons as (

    select
        customer_id,
        count(*) as record_count,
        count(distinct source_system) as source_count
    from resolved
    group by customer_id

),

persons_by_record_count as (

    select
        'persons_by_record_count' as audit_section,
        record_count::text as item,
        null::text as identifier_type,
        null::text as detail,
        sum(record_count)::bigint as record_count,
        count(*)::bigint as person_count,
        null::bigint as pair_count,
        null::numeric as metric_value
    from persons
    group by record_count

),

persons_by_source_count as (

    select
        'persons_by_source_count' as audit_section,
        source_count::text as item,
        null::text as identifier_type,
        null::text as detail,
        sum(record_count)::bigint as record_count,
        count(*)::bigint as person_count,
        null::bigint as pair_count,
        null::numeric as metric_value
    from persons
    group by source_count

),

records_by_rule as (

    select
        match_rule,
        count(*) as record_count,
        count(distinct customer_id) as person_count
    from resolved
    group by match_rule

),

pairs_by_rule as (

    select
        coalesce(match_rule, 'rejected:' || rejection_reason) as match_rule,
        count(*) as pair_count
    from pair_matches
    group by coalesce(match_rule, 'rejected:' || rejection_reason)

),

matches_by_rule as (

    select
        'matches_by_rule' as audit_section,
        coalesce(records_by_rule.match_rule, pairs_by_rule.match_rule) as item,
        null::text as identifier_type,
        case
            when pairs_by_rule.match_rule like 'rejected:%' then 'candidate pairs rejected for this reason'
            else 'records that joined their person by this rule; pairs accepted by it'
        end as detail,
        records_by_rule.record_count::bigint as record_count,
        records_by_rule.person_count::bigint as person_count,
        pairs_by_rule.pair_count::bigint as pair_count,
        null::numeric as metric_value
    from records_by_rule
    full outer join pairs_by_rule
        on records_by_rule.match_rule = pairs_by_rule.match_rule

),

blocking_statistics as (

    select
        'blocking' as audit_section,
        'candidate_pairs_per_record' as item,
        null::text as identifier_type,
        'candidate pairs / resolvable records (metric_value); pairs in pair_count' as detail,
        (select count(*) from resolved)::bigint as record_count,
        null::bigint as person_count,
        (select count(*) from pair_matches)::bigint as pair_count,
        round(
            (select count(*) from pair_matches)::numeric
            / greatest((select count(*) from resolved), 1), 3
        ) as metric_value

),

-- per kind of blocking key: records carrying one, blocks, the largest block compared, and
-- the candidate pairs that share that kind of key (a pair may share several kinds)
block_type_sizes as (

    select
        block_type,
        count(distinct contact_key) as record_count,
        count(distinct block_key) filter (where block_size between 2 and {{ var('max_block_size') }})
            as compared_block_count,
        max(block_size) filter (where block_size <= {{ var('max_block_size') }}) as largest_compared_block
    from blocking_keys
    group by block_type

),

block_type_pairs as (

    select
        pair_block_types.block_type,
        count(*) as pair_count
    from pair_matches
    cross join lateral unnest(string_to_array(pair_matches.block_types, ',')) as pair_block_types (block_type)
    group by pair_block_types.block_type

),

blocking_by_type as (

    select
        'blocking' as audit_section,
        'pairs_per_record:' || block_type_sizes.block_type as item,
        block_type_sizes.block_type as identifier_type,
        'records with this kind of key (record_count), candidate pairs sharing it (pair_count), '
        || 'pairs per such record (metric_value); ' || block_type_sizes.compared_block_count
        || ' blocks compared, the largest of ' || coalesce(block_type_sizes.largest_compared_block, 0)
        || ' records' as detail,
        block_type_sizes.record_count::bigint as record_count,
        null::bigint as person_count,
        coalesce(block_type_pairs.pair_count, 0)::bigint as pair_count,
        round(coalesce(block_type_pairs.pair_count, 0)::numeric / greatest(block_type_sizes.record_count, 1), 3)
            as metric_value
    from block_type_sizes
    left join block_type_pairs
        on block_type_sizes.block_type = block_type_pairs.block_type

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

blocking_spread as (

    select
        'blocking' as audit_section,
        'max_pairs_of_one_record' as item,
        null::text as identifier_type,
        'the most candidate pairs any one record is in (metric_value); 99th percentile in pair_count'
            as detail,
        count(*)::bigint as record_count,
        null::bigint as person_count,
        (percentile_disc(0.99) within group (order by pair_count))::bigint as pair_count,
        max(pair_count)::numeric as metric_value
    from record_pair_counts

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

most_connected_identifiers as (

    select
        'most_connected_identifier' as audit_section,
        identifier_value as item,
        identifier_type,
        'rank ' || connection_rank as detail,
        record_count::bigint as record_count,
        person_count::bigint as person_count,
        null::bigint as pair_count,
        null::numeric as metric_value
    from connected_identifiers
    where connection_rank <= {{ var('audit_top_identifiers', 50) }}

),

blocked_identifiers as (

    select
        'blocked_identifier' as audit_section,
        identifier_value as item,
        identifier_type,
        junk_reason || coalesce(': ' || listed_note, '') as detail,
        record_count::bigint as record_count,
        null::bigint as person_count,
        null::bigint as pair_count,
        null::numeric as metric_value
    from blocked

),

skipped_blocks as (

    select
        'skipped_block' as audit_section,
        block_key as item,
        min(block_type) as identifier_type,
        'block larger than max_block_size ({{ var("max_block_size") }}): not compared' as detail,
        count(*)::bigint as record_count,
        null::bigint as person_count,
        null::bigint as pair_count,
        null::numeric as metric_value
    from blocking_keys
    where block_size > {{ var('max_block_size') }}
    group by block_key

),

oversize_components as (

    select
        'oversize_component' as audit_section,
        component_key as item,
        null::text as identifier_type,
        case
            when bool_or(is_unsettled) then 'closure did not settle in component_iterations rounds'
            else 'more records than max_component_size ({{ var("max_component_size") }})'
        end || ': records resolved as singletons' as detail,
        count(*)::bigint as record_count,
        null::bigint as person_count,
        null::bigint as pair_count,
        null::numeric as metric_value
    from components
    where is_oversize
    group by component_key

),

unioned as (

    select * from persons_by_record_count
    union all
    select * from persons_by_source_count
    union all
    select * from matches_by_rule
    union all
    select * from blocking_statistics
    union all
    select * from blocking_by_type
    union all
    select * from blocking_spread
    union all
    select * from most_connected_identifiers
    union all
    select * from blocked_identifiers
    union all
    select * from skipped_blocks
    union all
    select * from oversize_components

),

-- erasure: identifiers of erased persons are not shown
erased_identifiers as (

    select distinct
        identifiers.identifier_type,
        identifiers.identifier_value
    from identifiers
    inner join resolved
        on identifiers.contact_key = resolved.contact_key
    inner join {{ ref('int_customers_erased') }} as erased
        on resolved.customer_id = erased.customer_id

),

final as (

    select
        audit_section,
        identifier_type,
        detail,
        record_count,
        person_count,
        pair_count,
        metric_value::numeric(18, 3) as metric_value,
        case
            when exists (
                    select 1 from erased_identifiers
                    where
                        erased_identifiers.identifier_type = unioned.identifier_type
                        and erased_identifiers.identifier_value = unioned.item
                ) then '(erased) ' || md5(item)
            else item
        end as item,
        md5(concat_ws('|', audit_section, identifier_type, item)) as audit_row_id
    from unioned

)

select * from final
