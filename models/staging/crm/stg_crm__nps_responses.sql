{#- Incremental staging: the partitions of the base table that new batches reached
    (macros/incremental_staging.sql). -#}
{{ config(**crm_segments.incremental_staging_config('nps_responses')) }}
-- depends_on: {{ source('crm', 'nps_responses') }}
with

source as (

    select * from {{ ref('base_crm__nps_responses') }}
    where
        _quarantine_reason is null
        and {{ crm_segments.appended_partitions(ref('base_crm__nps_responses')) }}

),

prepared as (

    select
        source.*,
        {{ crm_segments.datetime_parts('responded_at') }} as _responded_at_parts,
        {{ crm_segments.parse_integer('score') }} as _score
    from source
    -- offset 0 is a fence: each value is parsed once, not once per reference
    /* noqa: AM09 */ offset 0

),

-- the parsed values, once each: the columns and the validity checks below both read them
parsed as (

    select
        prepared.*,
        {{ crm_segments.timestamp_from_parts('_responded_at_parts') }} as _parsed_responded_at,
        -- a score outside 0-10 is unreadable
        case when prepared._score between 0 and 10 then prepared._score::int end as _parsed_score
    from prepared
    /* noqa: AM09 */ offset 0

),

renamed as (

    select
        -- ids
        _key_response_id as response_id,
        {{ crm_segments.trimmed('account_id') }} as account_id,

        -- numerics
        _parsed_score as score,

        -- timestamps
        _parsed_responded_at as responded_at,

        -- incremental staging (macros/incremental_staging.sql)
        _crm_batch_id,
        _key_parts,

        -- data quality
        {{ crm_segments.invalid_fields([
            ['score', 'score', '_parsed_score'],
            ['responded_at', 'responded_at', '_parsed_responded_at'],
        ]) }} as invalid_fields

    from parsed

)

select
    *,
    cardinality(invalid_fields) > 0 as has_invalid_fields
from renamed
