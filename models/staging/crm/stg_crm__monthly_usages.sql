{%- set numerics = ['revenue', 'cost', 'voice_minutes', 'data_mb', 'roaming_revenue'] %}
{#- Incremental staging: the partitions of the base table that new batches reached
    (macros/incremental_staging.sql). -#}
{{ config(**crm_segments.incremental_staging_config('usage_monthly')) }}
-- depends_on: {{ source('crm', 'usage_monthly') }}
with

source as (

    select * from {{ ref('base_crm__monthly_usages') }}
    where
        _quarantine_reason is null
        and {{ crm_segments.appended_partitions(ref('base_crm__monthly_usages')) }}

),

-- the largest raw table: each value is parsed once (offset 0 keeps the parsed columns from
-- being inlined into the validity checks below, which would parse every value twice)
parsed as (

    select
        _key_subscription_id,
        _key_billing_month,
        _crm_batch_id,
        _key_parts,
        _oversized_fields,
        {%- for column in numerics %}
            {{ column }} as _raw_{{ column }},
            {{ crm_segments.parse_numeric(column) }} as _parsed_{{ column }},
        {%- endfor %}
        sms_count as _raw_sms_count,
        {{ crm_segments.parse_integer('sms_count') }} as _parsed_sms_count
    from source
    /* noqa: AM09 */ offset 0

),

renamed as (

    select
        -- ids
        _key_subscription_id as subscription_id,

        -- numerics
        _parsed_revenue as revenue,
        _parsed_cost as cost,
        _parsed_voice_minutes as voice_minutes,
        _parsed_sms_count as sms_count,
        _parsed_data_mb as data_mb,
        _parsed_roaming_revenue as roaming_revenue,

        -- dates
        _key_billing_month::date as billing_month,

        -- incremental staging (macros/incremental_staging.sql)
        _crm_batch_id,
        _key_parts,

        -- data quality
        {{ crm_segments.invalid_fields([
            ['revenue', '_raw_revenue', '_parsed_revenue'],
            ['cost', '_raw_cost', '_parsed_cost'],
            ['voice_minutes', '_raw_voice_minutes', '_parsed_voice_minutes'],
            ['sms_count', '_raw_sms_count', '_parsed_sms_count'],
            ['data_mb', '_raw_data_mb', '_parsed_data_mb'],
            ['roaming_revenue', '_raw_roaming_revenue', '_parsed_roaming_revenue'],
        ]) }} as invalid_fields

    from parsed

)

select
    *,
    cardinality(invalid_fields) > 0 as has_invalid_fields
from renamed
