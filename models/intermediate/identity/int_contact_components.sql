{#- Transitive closure of the accepted matches: connected components by label propagation
    with pointer jumping, unrolled var component_iterations times (each round at least doubles
    the distance a label travels, so 8 rounds settle any chain of up to 255 links). It can
    neither loop nor explode: a component that has not settled, or that is larger than the
    var max_component_size, is flagged (is_oversize) and reported; its records are resolved
    as singletons downstream rather than risking a wrong merge. -#}
{%- set iterations = var('component_iterations') | int -%}

-- noqa: disable=LT02

with

matches as (

    select * from {{ ref('int_contact_pair_matches') }}
    where is_match

),

-- every record of an accepted match, numbered in the order of its key: the rounds below join and
-- group numbers, not text keys (at 1M customers this model took 17 times its 100k time), and
-- the smallest number is the smallest key
nodes as (

    select
        record_keys.contact_key,
        row_number() over (order by record_keys.contact_key) as node_id
    from (
        select left_contact_key as contact_key from matches
        union
        select right_contact_key as contact_key from matches
    ) as record_keys

),

numbered_matches as (

    select
        left_nodes.node_id as left_node_id,
        right_nodes.node_id as right_node_id
    from matches
    inner join nodes as left_nodes
        on matches.left_contact_key = left_nodes.contact_key
    inner join nodes as right_nodes
        on matches.right_contact_key = right_nodes.contact_key

),

-- contact_key, neighbor_key and min_key hold node numbers from here to settled
edges as (

    select
        left_node_id as contact_key,
        right_node_id as neighbor_key
    from numbered_matches
    union all
    select
        right_node_id as contact_key,
        left_node_id as neighbor_key
    from numbered_matches

),

labels_0 as (

    select
        contact_key,
        least(contact_key, min(neighbor_key)) as min_key
    from edges
    group by contact_key

),
{%- for i in range(1, iterations + 2) %}

stepped_{{ i }} as (

    select
        edges.contact_key,
        least(min(labels_{{ i - 1 }}.min_key), min(own.min_key)) as min_key
    from edges
    inner join labels_{{ i - 1 }}
        on edges.neighbor_key = labels_{{ i - 1 }}.contact_key
    inner join labels_{{ i - 1 }} as own
        on edges.contact_key = own.contact_key
    group by edges.contact_key

),

labels_{{ i }} as (

    select
        stepped_{{ i }}.contact_key,
        least(stepped_{{ i }}.min_key, jumped.min_key) as min_key
    from stepped_{{ i }}
    inner join stepped_{{ i }} as jumped
        on stepped_{{ i }}.min_key = jumped.contact_key

),
{%- endfor %}

settled as (

    -- one extra round: a label that still moves belongs to a component that has not settled
    select
        records.contact_key,
        components.contact_key as component_key,
        labels_{{ iterations }}.min_key != labels_{{ iterations + 1 }}.min_key as is_unsettled
    from labels_{{ iterations }}
    inner join labels_{{ iterations + 1 }}
        on labels_{{ iterations }}.contact_key = labels_{{ iterations + 1 }}.contact_key
    inner join nodes as records
        on labels_{{ iterations }}.contact_key = records.node_id
    inner join nodes as components
        on labels_{{ iterations }}.min_key = components.node_id

),

sized as (

    select
        contact_key,
        component_key,
        count(*) over (partition by component_key) as component_size,
        bool_or(is_unsettled) over (partition by component_key) as is_unsettled
    from settled

),

final as (

    select
        contact_key,
        component_key,
        component_size,
        is_unsettled,
        is_unsettled or component_size > {{ var('max_component_size') }} as is_oversize
    from sized

)

select * from final
