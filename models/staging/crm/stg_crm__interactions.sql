with

source as (

    select * from {{ ref('base_crm__interactions') }}
    where _quarantine_reason is null

),

prepared as (

    select
        source.*,
        {{ crm_segments.datetime_parts('started_at') }} as _started_at_parts
    from source
    -- offset 0 is a fence: each value is parsed once, not once per reference
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
        {{ crm_segments.parse_boolean('resolved') }} as is_resolved,

        -- timestamps
        {{ crm_segments.timestamp_from_parts('_started_at_parts') }} as started_at,

        -- data quality
        {{ crm_segments.invalid_fields([
            ['resolved', 'resolved', crm_segments.parse_boolean('resolved')],
            ['started_at', 'started_at', crm_segments.timestamp_from_parts('_started_at_parts')],
        ]) }} as invalid_fields

    from prepared

)

select
    *,
    cardinality(invalid_fields) > 0 as has_invalid_fields
from renamed
