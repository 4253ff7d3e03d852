with

source as (

    select * from {{ ref('base_crm__campaign_contacts') }}
    where _quarantine_reason is null

),

prepared as (

    select
        source.*,
        {{ crm_segments.datetime_parts('contacted_at') }} as _contacted_at_parts
    from source
    -- offset 0 is a fence: each value is parsed once, not once per reference
    /* noqa: AM09 */ offset 0

),

renamed as (

    select
        -- ids
        _key_contact_id as contact_id,
        {{ crm_segments.trimmed('campaign_id') }} as campaign_id,
        {{ crm_segments.trimmed('account_id') }} as account_id,

        -- strings
        {{ crm_segments.normalize_channel('channel') }} as channel,
        {{ crm_segments.normalize_code('outcome') }} as outcome,

        -- numerics
        {{ crm_segments.parse_numeric('revenue') }} as revenue,

        -- booleans
        {{ crm_segments.parse_boolean('is_control') }} as is_control,

        -- timestamps
        {{ crm_segments.timestamp_from_parts('_contacted_at_parts') }} as contacted_at,

        -- data quality
        {{ crm_segments.invalid_fields([
            ['revenue', 'revenue', crm_segments.parse_numeric('revenue')],
            ['is_control', 'is_control', crm_segments.parse_boolean('is_control')],
            ['contacted_at', 'contacted_at', crm_segments.timestamp_from_parts('_contacted_at_parts')],
        ]) }} as invalid_fields

    from prepared

)

select
    *,
    cardinality(invalid_fields) > 0 as has_invalid_fields
from renamed
