with

source as (

    select * from {{ ref('base_crm__suppressions') }}
    where _quarantine_reason is null

),

prepared as (

    select
        source.*,
        {{ crm_segments.datetime_parts('effective_from') }} as _effective_from_parts,
        {{ crm_segments.datetime_parts('effective_to') }} as _effective_to_parts
    from source
    -- offset 0 is a fence: each value is parsed once, not once per reference
    /* noqa: AM09 */ offset 0

),

-- the parsed values, once each: the columns and the validity checks below both read them
parsed as (

    select
        prepared.*,
        {{ crm_segments.date_from_parts('_effective_from_parts') }} as _parsed_effective_from,
        {{ crm_segments.date_from_parts('_effective_to_parts') }} as _parsed_effective_to
    from prepared
    /* noqa: AM09 */ offset 0

),

renamed as (

    select
        -- ids
        _key_suppression_id as suppression_id,

        -- strings
        {{ crm_segments.normalize_code('scope_type') }} as scope_type,
        {{ crm_segments.trimmed('scope_value') }} as scope_value,
        {{ crm_segments.normalize_code('reason') }} as reason,

        -- dates
        _parsed_effective_from as effective_from,
        _parsed_effective_to as effective_to,

        -- data quality
        {{ crm_segments.invalid_fields([
            ['effective_from', 'effective_from', '_parsed_effective_from'],
            ['effective_to', 'effective_to', '_parsed_effective_to'],
        ]) }} as invalid_fields

    from parsed

)

select
    *,
    cardinality(invalid_fields) > 0 as has_invalid_fields
from renamed
