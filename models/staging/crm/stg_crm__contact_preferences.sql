with

source as (

    select * from {{ ref('base_crm__contact_preferences') }}
    where _quarantine_reason is null

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
        {{ crm_segments.timestamp_from_parts('_stated_at_parts') }} as stated_at,

        -- data quality
        {{ crm_segments.invalid_fields([
            ['stated_at', 'stated_at', crm_segments.timestamp_from_parts('_stated_at_parts')],
        ]) }} as invalid_fields

    from source

)

select
    *,
    cardinality(invalid_fields) > 0 as has_invalid_fields
from renamed
