with

source as (

    select * from {{ ref('base_crm__transactions') }}
    where _quarantine_reason is null

),

prepared as (

    select
        source.*,
        {{ crm_segments.datetime_parts('transaction_at') }} as _transaction_at_parts
    from source
    -- offset 0 is a fence: each value is parsed once, not once per reference
    offset 0  -- noqa: AM09

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
        {{ crm_segments.parse_numeric('amount') }} as amount,

        -- timestamps
        {{ crm_segments.timestamp_from_parts('_transaction_at_parts') }} as transaction_at,

        -- data quality
        {{ crm_segments.invalid_fields([
            ['amount', 'amount', crm_segments.parse_numeric('amount')],
            ['transaction_at', 'transaction_at', crm_segments.timestamp_from_parts('_transaction_at_parts')],
        ]) }} as invalid_fields

    from prepared

)

select
    *,
    cardinality(invalid_fields) > 0 as has_invalid_fields
from renamed
