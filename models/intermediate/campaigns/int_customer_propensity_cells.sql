{#- Every person's propensity cell: the similar customers whose campaign responses predict the
    person's (next best action). Cell = behavioural cluster x value tier x lifecycle stage as of
    the as-of date; '(none)' for a person without a cluster label or a value tier. -#}
with

persons as (

    select distinct customer_id from {{ ref('int_contacts_resolved') }}

),

final as (

    select
        persons.customer_id,
        lifecycle.lifecycle_stage,
        coalesce(clusters.cluster_label, '(none)') as cluster_label,
        coalesce(tiers.value_tier, '(none)') as value_tier,
        concat_ws(
            ' / ', coalesce(clusters.cluster_label, '(none)'), coalesce(tiers.value_tier, '(none)'),
            lifecycle.lifecycle_stage
        ) as cell_key
    from persons
    left join {{ ref('int_customer_clusters') }} as clusters on persons.customer_id = clusters.customer_id
    left join {{ ref('int_customer_value_tiers') }} as tiers on persons.customer_id = tiers.customer_id
    left join {{ ref('int_customer_lifecycle') }} as lifecycle on persons.customer_id = lifecycle.customer_id

)

select * from final
