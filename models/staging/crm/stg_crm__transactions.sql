{#- Incremental staging: the partitions of the base table that new batches reached
    (macros/incremental_staging.sql). -#}
{{ config(**crm_segments.incremental_staging_config('transactions')) }}
-- depends_on: {{ source('crm', 'transactions') }}
with

source as (

    select * from {{ ref('base_crm__transactions') }}
    where
        _quarantine_reason is null
        and {{ crm_segments.appended_partitions(ref('base_crm__transactions')) }}

),

prepared as (

    select
        source.*,
        {{ crm_segments.datetime_parts('transaction_at') }} as _transaction_at_parts
    from source
    -- offset 0 is a fence: each value is parsed once, not once per reference
    /* noqa: AM09 */ offset 0

),

-- the parsed values, once each: the columns and the validity checks below both read them (a
-- timestamp read in the source time zone costs microseconds per row)
parsed as (

    select
        prepared.*,
        {{ crm_segments.parse_numeric('amount') }} as _parsed_amount,
        {{ crm_segments.timestamp_from_parts('_transaction_at_parts') }} as _parsed_transaction_at
    from prepared
    /* noqa: AM09 */ offset 0

),

renamed as (

    select
        -- ids
        _key_transaction_id as transaction_id,
        {{ crm_segments.trimmed('account_id') }} as account_id,

        -- strings
        upper({{ crm_segments.trimmed('currency') }}) as currency,
        {{ crm_segments.normalize_code('transaction_type') }} as transaction_type,

        -- numerics
        _parsed_amount as amount,

        -- timestamps
        _parsed_transaction_at as transaction_at,

        -- incremental staging (macros/incremental_staging.sql)
        _crm_batch_id,
        _key_parts,

        -- data quality
        {{ crm_segments.invalid_fields([
            ['amount', 'amount', '_parsed_amount'],
            ['transaction_at', 'transaction_at', '_parsed_transaction_at'],
        ]) }} as invalid_fields

    from parsed

)

select
    *,
    cardinality(invalid_fields) > 0 as has_invalid_fields
from renamed
