{#- Incremental staging: the partitions of the base table that new batches reached
    (macros/incremental_staging.sql). -#}
{{ config(**crm_segments.incremental_staging_config('consent_events')) }}
-- depends_on: {{ source('crm', 'consent_events') }}
with

source as (

    select * from {{ ref('base_crm__consent_events') }}
    where
        _quarantine_reason is null
        and {{ crm_segments.appended_partitions(ref('base_crm__consent_events')) }}

),

prepared as (

    select
        source.*,
        {{ crm_segments.datetime_parts('event_at') }} as _event_at_parts
    from source
    -- offset 0 is a fence: each value is parsed once, not once per reference
    /* noqa: AM09 */ offset 0

),

-- the parsed values, once each: the columns and the validity checks below both read them
parsed as (

    select
        prepared.*,
        {{ crm_segments.timestamp_from_parts('_event_at_parts') }} as _parsed_event_at
    from prepared
    /* noqa: AM09 */ offset 0

),

renamed as (

    select
        -- ids
        _key_event_id as event_id,
        {{ crm_segments.normalize_code('source_system') }} as source_system,
        {{ crm_segments.trimmed('source_record_id') }} as source_record_id,

        -- strings
        {{ crm_segments.normalize_channel('channel') }} as channel,
        {{ crm_segments.normalize_code('purpose') }} as purpose,
        {{ crm_segments.normalize_code('action') }} as action,
        {{ crm_segments.normalize_code('captured_via') }} as captured_via,

        -- timestamps
        _parsed_event_at as event_at,

        -- incremental staging (macros/incremental_staging.sql)
        _crm_batch_id,
        _key_parts,

        -- data quality
        {{ crm_segments.invalid_fields([
            ['event_at', 'event_at', '_parsed_event_at'],
        ]) }} as invalid_fields

    from parsed

)

select
    *,
    cardinality(invalid_fields) > 0 as has_invalid_fields
from renamed
