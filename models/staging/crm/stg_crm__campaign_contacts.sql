{#- Incremental staging: the partitions of the base table that new batches reached
    (macros/incremental_staging.sql). -#}
{{ config(**crm_segments.incremental_staging_config('campaign_contacts')) }}
-- depends_on: {{ source('crm', 'campaign_contacts') }}
with

source as (

    select * from {{ ref('base_crm__campaign_contacts') }}
    where
        _quarantine_reason is null
        and {{ crm_segments.appended_partitions(ref('base_crm__campaign_contacts')) }}

),

prepared as (

    select
        source.*,
        {{ crm_segments.datetime_parts('contacted_at') }} as _contacted_at_parts
    from source
    -- offset 0 is a fence: each value is parsed once, not once per reference
    /* noqa: AM09 */ offset 0

),

-- the parsed values, once each: the columns and the validity checks below both read them
parsed as (

    select
        prepared.*,
        {{ crm_segments.parse_numeric('revenue') }} as _parsed_revenue,
        {{ crm_segments.parse_boolean('is_control') }} as _parsed_is_control,
        {{ crm_segments.timestamp_from_parts('_contacted_at_parts') }} as _parsed_contacted_at
    from prepared
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
        _parsed_revenue as revenue,

        -- booleans
        _parsed_is_control as is_control,

        -- timestamps
        _parsed_contacted_at as contacted_at,

        -- incremental staging (macros/incremental_staging.sql)
        _crm_batch_id,
        _key_parts,

        -- data quality
        {{ crm_segments.invalid_fields([
            ['revenue', 'revenue', '_parsed_revenue'],
            ['is_control', 'is_control', '_parsed_is_control'],
            ['contacted_at', 'contacted_at', '_parsed_contacted_at'],
        ]) }} as invalid_fields

    from parsed

)

select
    *,
    cardinality(invalid_fields) > 0 as has_invalid_fields
from renamed
