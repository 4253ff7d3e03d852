{#- Candidate pairs: two records that share at least one blocking key whose block is not
    larger than the var max_block_size (larger blocks are reported, not compared), so the
    number of comparisons grows with the input, not with its square. In a block of the name
    alone, two records whose cities are both known and differ by more than one letter typed
    wrong or two letters exchanged are not paired: namesakes in two towns. -#}
with

blocking_keys as (

    select * from {{ ref('int_contact_blocking_keys') }}
    where block_size between 2 and {{ var('max_block_size') }}

),

pairs as (

    select
        left_keys.contact_key as left_contact_key,
        right_keys.contact_key as right_contact_key,
        left_keys.block_type
    from blocking_keys as left_keys
    inner join blocking_keys as right_keys
        on
            left_keys.block_key = right_keys.block_key
            and left_keys.contact_key < right_keys.contact_key
            and (
                left_keys.name_block_city_key is null
                or right_keys.name_block_city_key is null
                or left_keys.name_block_city_key = right_keys.name_block_city_key
                or {{ crm_segments.is_one_typo_apart(
                    'left_keys.name_block_city_key', 'right_keys.name_block_city_key'
                ) }}
            )

),

final as (

    select
        left_contact_key,
        right_contact_key,
        string_agg(distinct block_type, ',' order by block_type) as block_types
    from pairs
    group by left_contact_key, right_contact_key

)

select * from final
