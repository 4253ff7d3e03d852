{#- Every person's behavioural cluster: the nearest centroid of the stored k-means model
    (`crm-segments cluster fit`), computed in plain SQL with the stored transform and scaler, so
    every dbt build scores new and changed customers without Python. -#}
{%- set features = var('cluster_features') -%}

with

persons as (

    select distinct customer_id from {{ ref('int_contacts_resolved') }}

),

features as (

    select * from {{ ref('int_customer_cluster_features') }}

),

withdrawals as (

    select * from {{ ref('int_customer_profiling_withdrawals') }}

),

models as (

    select * from {{ ref('stg_clusters__models') }}

),

model_features as (

    select * from {{ ref('stg_clusters__model_features') }}

),

centroids as (

    select * from {{ ref('stg_clusters__centroids') }}

),

labels as (

    select * from {{ ref('stg_clusters__labels') }}

),

overrides as (

    select * from {{ ref('cluster_label_overrides') }}

),

-- the model that scores: the newest, or the version pinned by the var cluster_model_version
scoring_model as (

    {{ crm_segments.scoring_cluster_model('models') }}

),

-- one row per cluster: every feature's transform, scaler and centroid side by side
cluster_parameters as (

    select
        centroids.cluster_id,
        {%- for feature in features %}
            max(model_features.feature_transform) filter (
                where centroids.feature_name = '{{ feature }}'
            ) as transform__{{ feature }},
            max(model_features.scaler_mean) filter (where centroids.feature_name = '{{ feature }}')
                as mean__{{ feature }},
            max(model_features.scaler_scale) filter (
                where centroids.feature_name = '{{ feature }}'
            ) as scale__{{ feature }},
            max(centroids.centroid_scaled) filter (
                where centroids.feature_name = '{{ feature }}'
            ) as centroid__{{ feature }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from centroids
    inner join scoring_model on centroids.model_version = scoring_model.model_version
    inner join model_features
        on
            centroids.model_version = model_features.model_version
            and centroids.feature_name = model_features.feature_name
    group by centroids.cluster_id

),

-- squared Euclidean distance in scaled units to every centroid (a feature the model does not
-- have adds nothing: scoring uses exactly the model's features)
distances as (

    select
        features.customer_id,
        cluster_parameters.cluster_id,
        {%- for feature in features %}
            coalesce(power(
                ({{ crm_segments.cluster_feature_transform(
                'features.' ~ feature, 'cluster_parameters.transform__' ~ feature
            ) }} - cluster_parameters.mean__{{ feature }})
                / cluster_parameters.scale__{{ feature }}
                - cluster_parameters.centroid__{{ feature }},
                2
            ), 0){% if not loop.last %} +{% endif %}
        {%- endfor %} as squared_distance
    from features
    cross join cluster_parameters

),

-- nearest centroid; on an exact tie the lower cluster id
nearest as (

    select distinct on (distances.customer_id)
        distances.customer_id,
        distances.cluster_id,
        distances.squared_distance
    from distances
    order by distances.customer_id asc, distances.squared_distance asc, distances.cluster_id asc

),

final as (

    select
        persons.customer_id,
        labels.cluster_id,
        labels.cluster_label as model_label,
        labels.model_version,
        case
            when withdrawals.customer_id is not null then 'not profiled'
            else coalesce(overrides.renamed_label, labels.cluster_label)
        end as cluster_label,
        case
            when withdrawals.customer_id is not null then 'not_profiled'
            when features.customer_id is null then 'no_activity'
            when labels.cluster_id is null then 'no_model'
            else 'scored'
        end as cluster_status,
        sqrt(nearest.squared_distance) as cluster_distance
    from persons
    cross join scoring_model
    left join withdrawals on persons.customer_id = withdrawals.customer_id
    left join features on persons.customer_id = features.customer_id
    left join nearest on persons.customer_id = nearest.customer_id
    left join labels
        on
            nearest.cluster_id = labels.cluster_id
            and scoring_model.model_version = labels.model_version
            and withdrawals.customer_id is null
    left join overrides on labels.cluster_label = overrides.cluster_label

)

select
    customer_id,
    cluster_id,
    cluster_label,
    model_label,
    cluster_status,
    cluster_distance,
    model_version
from final
