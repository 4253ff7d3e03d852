with

source as (

    {{ crm_segments.optional_source('clusters', 'cluster_models', [
        ['model_version', 'integer'],
        ['k', 'integer'],
        ['silhouette', 'float8'],
        ['silhouette_by_k', 'jsonb'],
        ['fitted_at', 'timestamptz'],
        ['training_rows', 'integer'],
        ['sample_rows', 'integer'],
        ['random_state', 'integer'],
        ['n_init', 'integer'],
        ['fit_seconds', 'float8'],
        ['features', 'jsonb'],
        ['previous_model_version', 'integer'],
    ]) }}

),

renamed as (

    select
        -- ids
        model_version,
        previous_model_version,

        -- numerics
        k as cluster_count,
        silhouette,
        training_rows,
        sample_rows,
        random_state,
        n_init,
        fit_seconds,

        -- json
        silhouette_by_k,
        features,

        -- timestamps
        fitted_at

    from source

)

select * from renamed
