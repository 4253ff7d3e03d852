-- the scoring model was fitted on the features and transforms the var cluster_features names now;
-- if not, scoring silently ignores the difference: refit (`crm-segments cluster fit --refit`)
{{ config(severity='warn') }}
{%- set features = var('cluster_features') %}

with

wanted as (

    {% for name, transform in features.items() -%}
        select
            '{{ name }}' as feature_name,
            '{{ transform }}' as feature_transform
        {%- if not loop.last %}
            union all
        {% endif %}
    {%- endfor %}

),

scoring_model as (

    {{ crm_segments.scoring_cluster_model(ref('stg_clusters__models')) }}

),

stored as (

    select
        model_features.feature_name,
        model_features.feature_transform
    from {{ ref('stg_clusters__model_features') }} as model_features
    inner join scoring_model on model_features.model_version = scoring_model.model_version

),

model_count as (

    -- before the first fit there is nothing to compare
    select count(*) as stored_features from stored

)

select
    wanted.feature_transform as wanted_transform,
    stored.feature_transform as stored_transform,
    coalesce(wanted.feature_name, stored.feature_name) as feature_name
from wanted
full outer join stored on wanted.feature_name = stored.feature_name
cross join model_count
where
    model_count.stored_features > 0
    and wanted.feature_transform is distinct from stored.feature_transform
