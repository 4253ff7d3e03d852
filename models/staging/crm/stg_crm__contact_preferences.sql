{#- Incremental staging: the partitions of the base table that new batches reached
    (macros/incremental_staging.sql). -#}
{{ config(**crm_segments.incremental_staging_config('contact_preferences')) }}
-- depends_on: {{ source('crm', 'contact_preferences') }}
with

source as (

    select * from {{ ref('base_crm__contact_preferences') }}
    where
        _quarantine_reason is null
        and {{ crm_segments.appended_partitions(ref('base_crm__contact_preferences')) }}

),

-- the parsed values, once each: the columns and the validity checks below both read them
parsed as (

    select
        source.*,
        {{ crm_segments.timestamp_from_parts('_stated_at_parts') }} as _parsed_stated_at
    from source
    /* noqa: AM09 */ offset 0

),

renamed as (

    select
        -- ids
        md5(concat_ws('|', _key_source_system, _key_source_record_id, _key_stated_at)) as preference_id,
        _key_source_system as source_system,
        _key_source_record_id as source_record_id,

        -- strings
        {{ crm_segments.normalize_channel('preferred_channel') }} as preferred_channel,

        -- timestamps
        _parsed_stated_at as stated_at,

        -- incremental staging (macros/incremental_staging.sql)
        _crm_batch_id,
        _key_parts,

        -- data quality
        {{ crm_segments.invalid_fields([
            ['stated_at', 'stated_at', '_parsed_stated_at'],
        ]) }} as invalid_fields

    from parsed

)

select
    *,
    cardinality(invalid_fields) > 0 as has_invalid_fields
from renamed
