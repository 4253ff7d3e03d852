with

source as (

    select * from {{ ref('base_crm__monthly_usages') }}
    where _quarantine_reason is null

),

renamed as (

    select
        -- ids
        _key_subscription_id as subscription_id,

        -- numerics
        {{ crm_segments.parse_numeric('revenue') }} as revenue,
        {{ crm_segments.parse_numeric('cost') }} as cost,
        {{ crm_segments.parse_numeric('voice_minutes') }} as voice_minutes,
        {{ crm_segments.parse_integer('sms_count') }} as sms_count,
        {{ crm_segments.parse_numeric('data_mb') }} as data_mb,
        {{ crm_segments.parse_numeric('roaming_revenue') }} as roaming_revenue,

        -- dates
        _key_billing_month::date as billing_month,

        -- data quality
        {{ crm_segments.invalid_fields([
            ['revenue', 'revenue', crm_segments.parse_numeric('revenue')],
            ['cost', 'cost', crm_segments.parse_numeric('cost')],
            ['voice_minutes', 'voice_minutes', crm_segments.parse_numeric('voice_minutes')],
            ['sms_count', 'sms_count', crm_segments.parse_integer('sms_count')],
            ['data_mb', 'data_mb', crm_segments.parse_numeric('data_mb')],
            ['roaming_revenue', 'roaming_revenue', crm_segments.parse_numeric('roaming_revenue')],
        ]) }} as invalid_fields

    from source

)

select
    *,
    cardinality(invalid_fields) > 0 as has_invalid_fields
from renamed
