{#- An append-only raw table: an incremental table of its key's partitions
    (macros/incremental_staging.sql). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='_key_parts',
    on_schema_change='fail',
    pre_hook="{{ crm_segments.restart_incremental_staging('transactions') }}",
) }}
{{ crm_segments.keyed_source_rows(
    source('crm', 'transactions'),
    keys=[['transaction_id', 'transaction_id', crm_segments.trimmed('transaction_id')]]
) }}
