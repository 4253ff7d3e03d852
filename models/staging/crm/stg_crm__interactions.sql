{#- Incremental staging: the partitions of the base table that new batches reached
    (macros/incremental_staging.sql). -#}
{{ config(**crm_segments.incremental_staging_config('interactions')) }}
-- depends_on: {{ source('crm', 'interactions') }}
with

source as (

    select * from {{ ref('base_crm__interactions') }}
    where
        _quarantine_reason is null
        and {{ crm_segments.appended_partitions(ref('base_crm__interactions')) }}

),

prepared as (

    select
        source.*,
        {{ crm_segments.datetime_parts('started_at') }} as _started_at_parts
    from source
    -- offset 0 is a fence: each value is parsed once, not once per reference
    /* noqa: AM09 */ offset 0

),

-- the parsed values, once each: the columns and the validity checks below both read them
parsed as (

    select
        prepared.*,
        {{ crm_segments.parse_boolean('resolved') }} as _parsed_resolved,
        {{ crm_segments.timestamp_from_parts('_started_at_parts') }} as _parsed_started_at
    from prepared
    /* noqa: AM09 */ offset 0

),

renamed as (

    select
        -- ids
        _key_interaction_id as interaction_id,
        {{ crm_segments.trimmed('account_id') }} as account_id,

        -- strings
        {{ crm_segments.normalize_code('channel') }} as channel,
        {{ crm_segments.normalize_code('reason_code') }} as reason_code,

        -- booleans
        _parsed_resolved as is_resolved,

        -- timestamps
        _parsed_started_at as started_at,

        -- incremental staging (macros/incremental_staging.sql)
        _crm_batch_id,
        _key_parts,

        -- data quality
        {{ crm_segments.invalid_fields([
            ['resolved', 'resolved', '_parsed_resolved'],
            ['started_at', 'started_at', '_parsed_started_at'],
        ]) }} as invalid_fields

    from parsed

)

select
    *,
    cardinality(invalid_fields) > 0 as has_invalid_fields
from renamed
