with

source as (

    {{ crm_segments.optional_source('clusters', 'cluster_centroids', [
        ['model_version', 'integer'],
        ['cluster_id', 'integer'],
        ['feature_name', 'text'],
        ['centroid_scaled', 'float8'],
        ['centroid_value', 'float8'],
        ['member_mean', 'float8'],
    ]) }}

),

renamed as (

    select
        -- ids
        model_version,
        cluster_id,
        feature_name,

        -- numerics
        centroid_scaled,
        centroid_value,
        member_mean

    from source

)

select * from renamed
