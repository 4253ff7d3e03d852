{#- An append-only raw table: an incremental table of its key's partitions
    (macros/incremental_staging.sql). -#}
{{ config(**crm_segments.incremental_staging_config('usage_monthly')) }}
{{ crm_segments.keyed_source_rows(
    source('crm', 'usage_monthly'),
    keys=[
        ['subscription_id', 'subscription_id', crm_segments.trimmed('subscription_id')],
        ['billing_month', 'billing_month', crm_segments.date_from_parts('_billing_month_parts')],
    ],
    prepared={'_billing_month_parts': crm_segments.datetime_parts('billing_month', month_only=true)},
) }}
