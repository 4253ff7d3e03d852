with

source as (

    {{ crm_segments.optional_source('clusters', 'cluster_labels', [
        ['model_version', 'integer'],
        ['cluster_id', 'integer'],
        ['cluster_label', 'text'],
        ['generated_label', 'text'],
        ['training_rows', 'integer'],
        ['training_share', 'float8'],
        ['matched_from_cluster_id', 'integer'],
        ['match_distance', 'float8'],
    ]) }}

),

renamed as (

    select
        -- ids
        model_version,
        cluster_id,
        matched_from_cluster_id,

        -- strings
        cluster_label,
        generated_label,

        -- numerics
        training_rows,
        training_share,
        match_distance

    from source

)

select * from renamed
