{{ crm_segments.keyed_source_rows(
    source('crm', 'transactions'),
    keys=[['transaction_id', 'transaction_id', crm_segments.trimmed('transaction_id')]]
) }}
