with

source as (

    select * from {{ ref('base_crm__campaigns') }}
    where _quarantine_reason is null

),

prepared as (

    select
        source.*,
        {{ crm_segments.datetime_parts('start_date') }} as _start_date_parts,
        {{ crm_segments.datetime_parts('end_date') }} as _end_date_parts
    from source
    -- offset 0 is a fence: each value is parsed once, not once per reference
    /* noqa: AM09 */ offset 0

),

-- the parsed values, once each: the columns and the validity checks below both read them
parsed as (

    select
        prepared.*,
        {{ crm_segments.parse_numeric('total_cost') }} as _parsed_total_cost,
        {{ crm_segments.date_from_parts('_start_date_parts') }} as _parsed_start_date,
        {{ crm_segments.date_from_parts('_end_date_parts') }} as _parsed_end_date
    from prepared
    /* noqa: AM09 */ offset 0

),

renamed as (

    select
        -- ids
        _key_campaign_id as campaign_id,
        {{ crm_segments.trimmed('offer_code') }} as offer_code,

        -- strings
        {{ crm_segments.clean_text('campaign_name') }} as campaign_name,
        {{ crm_segments.normalize_code('objective') }} as objective,
        {{ crm_segments.normalize_channel('channel') }} as channel,

        -- numerics
        _parsed_total_cost as total_cost,

        -- dates
        _parsed_start_date as start_date,
        _parsed_end_date as end_date,

        -- data quality
        {{ crm_segments.invalid_fields([
            ['total_cost', 'total_cost', '_parsed_total_cost'],
            ['start_date', 'start_date', '_parsed_start_date'],
            ['end_date', 'end_date', '_parsed_end_date'],
        ]) }} as invalid_fields

    from parsed

)

select
    *,
    cardinality(invalid_fields) > 0 as has_invalid_fields
from renamed
