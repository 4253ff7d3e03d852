{#- What each behavioural cluster looks like: per cluster label and feature, the customers, the
    mean of the feature's raw value, the population's mean and standard deviation, and how many
    SDs the cluster's mean lies off the population's (z), over the persons the stored model
    scored (int_customer_clusters, status scored). Long form, one row per cluster x feature of
    var cluster_features, so a changed feature list needs no new columns. -#}
{%- set features = var('cluster_features') -%}

with

clusters as (

    select * from {{ ref('int_customer_clusters') }}
    where cluster_status = 'scored'

),

features as (

    select * from {{ ref('int_customer_cluster_features') }}

),

scored as (

    select
        features.*,
        clusters.cluster_id,
        clusters.cluster_label
    from clusters
    inner join features on clusters.customer_id = features.customer_id

),

long_form as (

    {% for feature in features -%}
        select
            cluster_id,
            cluster_label,
            '{{ feature }}' as feature_name,
            {{ feature }}::float8 as feature_value
        from scored
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

population as (

    select
        feature_name,
        avg(feature_value) as population_mean,
        stddev_pop(feature_value) as population_sd,
        count(*) as population_customers
    from long_form
    group by feature_name

),

per_cluster as (

    select
        cluster_id,
        cluster_label,
        feature_name,
        count(*) as customers,
        avg(feature_value) as mean_value
    from long_form
    group by cluster_id, cluster_label, feature_name

),

final as (

    select
        per_cluster.cluster_id::integer as cluster_id,
        per_cluster.feature_name,
        per_cluster.cluster_label,
        per_cluster.customers::integer as customers,
        round(per_cluster.customers::numeric / population.population_customers, 4) as customer_share,
        round(per_cluster.mean_value::numeric, 4) as mean_value,
        round(population.population_mean::numeric, 4) as population_mean,
        round(population.population_sd::numeric, 4) as population_sd,
        round(
            (
                (per_cluster.mean_value - population.population_mean)
                / nullif(population.population_sd, 0)
            )::numeric,
            3
        ) as z_score
    from per_cluster
    inner join population on per_cluster.feature_name = population.feature_name

)

select * from final
