with

source as (

    {{ crm_segments.optional_source('crm', '_crm_load_log', [
        ['batch_id', 'bigint'],
        ['loaded_at', 'timestamptz'],
        ['mode', 'text'],
        ['table_name', 'text'],
        ['action', 'text'],
        ['file_name', 'text'],
        ['content_sha256', 'text'],
        ['row_count', 'bigint'],
        ['loaded_by', 'text'],
    ]) }}

),

renamed as (

    select
        -- ids
        batch_id,
        table_name,

        -- strings
        mode as load_mode,
        action as load_action,
        file_name,
        content_sha256,
        loaded_by,

        -- numerics
        row_count,

        -- timestamps
        loaded_at

    from source

)

select * from renamed
