{#- Audit question: which blocking keys stand on more records than max_block_size, so that
    their records were not compared. A view: the keys hold names and identifier values, which
    only tables the erasure scrub covers may store. -#}
{{ config(materialized='view') }}
with

blocking_keys as (

    select * from {{ ref('int_contact_blocking_keys') }}

),

final as (

    select
        'skipped_block' as audit_section,
        block_key as item,
        'block larger than max_block_size ({{ var("max_block_size") }}): not compared' as detail,
        null::bigint as person_count,
        null::bigint as pair_count,
        null::numeric as metric_value,
        min(block_type) as identifier_type,
        count(*)::bigint as record_count
    from blocking_keys
    where block_size > {{ var('max_block_size') }}
    group by block_key

)

select * from final
