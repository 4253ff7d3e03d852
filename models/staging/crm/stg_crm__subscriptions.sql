with

source as (

    select * from {{ ref('base_crm__subscriptions') }}
    where _quarantine_reason is null

),

prepared as (

    select
        source.*,
        {{ crm_segments.datetime_parts('activated_at') }} as _activated_at_parts,
        {{ crm_segments.datetime_parts('deactivated_at') }} as _deactivated_at_parts,
        {{ crm_segments.datetime_parts('contract_end_date') }} as _contract_end_date_parts
    from source
    -- offset 0 is a fence: each value is parsed once, not once per reference
    /* noqa: AM09 */ offset 0

),

-- the parsed values, once each: the columns and the validity checks below both read them
parsed as (

    select
        prepared.*,
        {{ crm_segments.parse_numeric('monthly_commitment') }} as _parsed_monthly_commitment,
        {{ crm_segments.date_from_parts('_contract_end_date_parts') }} as _parsed_contract_end_date,
        {{ crm_segments.timestamp_from_parts('_activated_at_parts') }} as _parsed_activated_at,
        {{ crm_segments.timestamp_from_parts('_deactivated_at_parts') }} as _parsed_deactivated_at
    from prepared
    /* noqa: AM09 */ offset 0

),

renamed as (

    select
        -- ids
        _key_subscription_id as subscription_id,
        {{ crm_segments.trimmed('account_id') }} as account_id,

        -- strings
        {{ crm_segments.trimmed('msisdn') }} as msisdn,
        {{ crm_segments.trimmed('plan_code') }} as plan_code,
        {{ crm_segments.normalize_code('plan_type') }} as plan_type,

        -- numerics
        _parsed_monthly_commitment as monthly_commitment,

        -- dates
        _parsed_contract_end_date as contract_end_date,

        -- timestamps
        _parsed_activated_at as activated_at,
        _parsed_deactivated_at as deactivated_at,

        -- data quality
        {{ crm_segments.invalid_fields([
            ['monthly_commitment', 'monthly_commitment', '_parsed_monthly_commitment'],
            ['contract_end_date', 'contract_end_date', '_parsed_contract_end_date'],
            ['activated_at', 'activated_at', '_parsed_activated_at'],
            ['deactivated_at', 'deactivated_at', '_parsed_deactivated_at'],
        ]) }} as invalid_fields

    from parsed

)

select
    *,
    cardinality(invalid_fields) > 0 as has_invalid_fields
from renamed
