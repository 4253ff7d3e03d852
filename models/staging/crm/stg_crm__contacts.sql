with

source as (

    select * from {{ ref('base_crm__contacts') }}
    where _quarantine_reason is null

),

prepared as (

    select
        source.*,
        {{ crm_segments.datetime_parts('birth_date') }} as _birth_date_parts
    from source
    -- offset 0 is a fence: each value is parsed once, not once per reference
    /* noqa: AM09 */ offset 0

),

-- the parsed values, once each: the columns and the validity checks below both read them
parsed as (

    select
        prepared.*,
        {{ crm_segments.date_from_parts('_birth_date_parts') }} as _parsed_birth_date,
        {{ crm_segments.timestamp_from_parts('_updated_at_parts') }} as _parsed_updated_at
    from prepared
    /* noqa: AM09 */ offset 0

),

renamed as (

    select
        -- ids
        _key_source_system as source_system,
        _key_source_record_id as source_record_id,
        {{ crm_segments.trimmed('account_id') }} as account_id,

        -- strings (standardized in the intermediate layer)
        {{ crm_segments.clean_text('full_name') }} as full_name,
        {{ crm_segments.clean_text('first_name') }} as first_name,
        {{ crm_segments.clean_text('last_name') }} as last_name,
        {{ crm_segments.trimmed('national_id') }} as national_id,
        {{ crm_segments.trimmed('email') }} as email,
        {{ crm_segments.trimmed('phone') }} as phone,
        {{ crm_segments.clean_text('address_line') }} as address_line,
        {{ crm_segments.clean_text('city') }} as city,
        {{ crm_segments.trimmed('postal_code') }} as postal_code,
        {{ crm_segments.clean_text('country') }} as country,

        -- dates
        _parsed_birth_date as birth_date,

        -- timestamps
        _parsed_updated_at as updated_at,

        -- data quality
        {{ crm_segments.invalid_fields([
            ['birth_date', 'birth_date', '_parsed_birth_date'],
            ['updated_at', 'updated_at', '_parsed_updated_at'],
        ]) }} as invalid_fields

    from parsed

)

select
    *,
    cardinality(invalid_fields) > 0 as has_invalid_fields
from renamed
