-- The stored cluster model describes the customers it now scores (issue 10): the population it
-- was fitted on is not much larger or smaller (var cluster_max_population_ratio), and no
-- feature's mean over today's population has moved far from the training mean, in training
-- standard deviations of the transformed feature (var cluster_max_feature_shift). A model fitted
-- on other data (another extract, another operator) labels customers by centroids that do not
-- describe them: refit with `crm-segments build --refit-clusters`. One row per finding.
{{ config(severity='warn') }}
{%- set features = var('cluster_features') %}

with

scoring_model as (

    {{ crm_segments.scoring_cluster_model(ref('stg_clusters__models')) }}

),

fitted as (

    select
        models.model_version,
        models.training_rows
    from {{ ref('stg_clusters__models') }} as models
    inner join scoring_model on models.model_version = scoring_model.model_version

),

features as (

    select * from {{ ref('int_customer_cluster_features') }}

),

population as (

    select
        fitted.model_version,
        fitted.training_rows,
        (select count(*) from features) as scored_rows
    from fitted

),

population_findings as (

    select
        'population' as finding,
        'model v' || population.model_version || ' was fitted on ' || population.training_rows
        || ' customers and scores ' || population.scored_rows || ' now' as detail
    from population
    where
        population.scored_rows > population.training_rows * {{ var('cluster_max_population_ratio', 1.5) }}
        or population.scored_rows * {{ var('cluster_max_population_ratio', 1.5) }} < population.training_rows

),

feature_means as (

    {% for feature in features -%}
        select
            '{{ feature }}' as feature_name,
            avg({{ crm_segments.cluster_feature_transform('features.' ~ feature, 'model_features.feature_transform') }})
                as current_mean,
            max(model_features.scaler_mean) as training_mean,
            max(model_features.scaler_scale) as training_scale
        from features
        cross join {{ ref('stg_clusters__model_features') }} as model_features
        inner join scoring_model on model_features.model_version = scoring_model.model_version
        where model_features.feature_name = '{{ feature }}'
        {%- if not loop.last %}
            union all
        {% endif %}
    {%- endfor %}

),

feature_findings as (

    select
        'feature_shift' as finding,
        feature_means.feature_name || ': mean ' || round(feature_means.current_mean::numeric, 3)
        || ' against ' || round(feature_means.training_mean::numeric, 3) || ' when fitted ('
        || round(
            (abs(feature_means.current_mean - feature_means.training_mean) / feature_means.training_scale)::numeric, 2
        )
        || ' SD)' as detail
    from feature_means
    where
        feature_means.training_scale > 0
        and abs(feature_means.current_mean - feature_means.training_mean) / feature_means.training_scale
        > {{ var('cluster_max_feature_shift', 0.5) }}

)

select * from population_findings
union all
select * from feature_findings
