{#- Every raw row that could not be staged (missing, unreadable or duplicated key), from all
    twelve raw tables, with its reason and its raw values. -#}
{%- set tables = {
    'crm_contacts': 'base_crm__contacts',
    'subscriptions': 'base_crm__subscriptions',
    'usage_monthly': 'base_crm__monthly_usages',
    'transactions': 'base_crm__transactions',
    'consent_events': 'base_crm__consent_events',
    'contact_preferences': 'base_crm__contact_preferences',
    'campaigns': 'base_crm__campaigns',
    'campaign_contacts': 'base_crm__campaign_contacts',
    'interactions': 'base_crm__interactions',
    'nps_responses': 'base_crm__nps_responses',
    'loyalty_events': 'base_crm__loyalty_events',
    'suppressions': 'base_crm__suppressions',
} -%}

-- noqa: disable=LT02
with

quarantined as (

    {%- for source_table, base_model in tables.items() %}

    select
        '{{ source_table }}'::text as source_table,
        _source_key as source_key,
        _key_rank as key_rank,
        _quarantine_reason as reason_code,
        _raw_record as raw_record
    from {{ ref(base_model) }}
    where _quarantine_reason is not null
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),

-- staged consent events and contact preferences that name no resolved contact record, or
-- are invalid in themselves (int_consent_events_rejected, int_contact_preferences_rejected)
references_rejected as (

    select
        'consent_events'::text as source_table,
        source_key,
        key_rank,
        reason_code,
        raw_record
    from {{ ref('int_consent_events_rejected') }}
    union all
    select
        'contact_preferences'::text as source_table,
        source_key,
        key_rank,
        reason_code,
        raw_record
    from {{ ref('int_contact_preferences_rejected') }}

),

final as (

    select
        source_table,
        source_key,
        key_rank,
        reason_code,
        raw_record,
        md5(concat_ws('|', source_table, source_key, key_rank)) as quarantine_id
    from quarantined
    union all
    select
        source_table,
        source_key,
        key_rank,
        reason_code,
        raw_record,
        md5(concat_ws('|', source_table, source_key, key_rank, reason_code)) as quarantine_id
    from references_rejected

)

select * from final
