with

source as (

    {{ crm_segments.optional_source('identity_model', 'match_weights', [
        ['model_version', 'integer'],
        ['trained_at', 'timestamptz'],
        ['field', 'text'],
        ['level', 'text'],
        ['m_probability', 'float8'],
        ['u_probability', 'float8'],
        ['pairs', 'bigint'],
        ['records', 'bigint'],
    ]) }}

),

renamed as (

    select
        -- ids
        model_version,
        field,
        level,

        -- numerics
        m_probability,
        u_probability,
        pairs as training_pairs,
        records as training_records,

        -- timestamps
        trained_at

    from source

)

select * from renamed
