with

source as (

    {{ crm_segments.optional_source('clusters', 'cluster_model_features', [
        ['model_version', 'integer'],
        ['feature_name', 'text'],
        ['feature_position', 'integer'],
        ['transform', 'text'],
        ['scaler_mean', 'float8'],
        ['scaler_scale', 'float8'],
        ['population_mean', 'float8'],
    ]) }}

),

renamed as (

    select
        -- ids
        model_version,
        feature_name,

        -- strings
        transform as feature_transform,

        -- numerics
        feature_position,
        scaler_mean,
        scaler_scale,
        population_mean

    from source

)

select * from renamed
