{#- An append-only raw table: an incremental table of its key's partitions
    (macros/incremental_staging.sql). -#}
{{ config(**crm_segments.incremental_staging_config('transactions')) }}
{{ crm_segments.keyed_source_rows(
    source('crm', 'transactions'),
    keys=[['transaction_id', 'transaction_id', crm_segments.trimmed('transaction_id')]]
) }}
