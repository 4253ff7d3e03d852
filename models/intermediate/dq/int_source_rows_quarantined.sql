{#- Every raw row that could not be staged (missing, unreadable or duplicated key), from all
    twelve raw tables, with its reason and its raw values; and the staged consent events and
    contact preferences rejected for the contact record they name or for what they say.

    One list of parents (raw table, model), read in one loop. A base model (base_crm__*) holds
    every raw row with its quarantine columns prefixed with _; the rows with a reason are the
    quarantined ones. A rejected model (is_rejected: int_*_rejected) holds only rejected rows,
    in plain columns, and its quarantine_id hashes the reason too. -#}
{%- set parents = [
    {'source_table': 'crm_contacts', 'model': 'base_crm__contacts'},
    {'source_table': 'subscriptions', 'model': 'base_crm__subscriptions'},
    {'source_table': 'usage_monthly', 'model': 'base_crm__monthly_usages'},
    {'source_table': 'transactions', 'model': 'base_crm__transactions'},
    {'source_table': 'consent_events', 'model': 'base_crm__consent_events'},
    {'source_table': 'contact_preferences', 'model': 'base_crm__contact_preferences'},
    {'source_table': 'campaigns', 'model': 'base_crm__campaigns'},
    {'source_table': 'campaign_contacts', 'model': 'base_crm__campaign_contacts'},
    {'source_table': 'interactions', 'model': 'base_crm__interactions'},
    {'source_table': 'nps_responses', 'model': 'base_crm__nps_responses'},
    {'source_table': 'loyalty_events', 'model': 'base_crm__loyalty_events'},
    {'source_table': 'suppressions', 'model': 'base_crm__suppressions'},
    {'source_table': 'consent_events', 'model': 'int_consent_events_rejected', 'is_rejected': true},
    {'source_table': 'contact_preferences', 'model': 'int_contact_preferences_rejected', 'is_rejected': true},
] -%}

-- noqa: disable=LT02
with

quarantined as (

    {%- for parent in parents %}

    select
        '{{ parent.source_table }}'::text as source_table,
        {%- if parent.is_rejected %}
        source_key,
        key_rank,
        reason_code,
        raw_record,
        {{ crm_segments.quarantine_id(parent.source_table, 'source_key', 'key_rank', 'reason_code') }} as quarantine_id
        {%- else %}
        _source_key as source_key,
        _key_rank as key_rank,
        _quarantine_reason as reason_code,
        _raw_record as raw_record,
        {{ crm_segments.quarantine_id(parent.source_table, '_source_key', '_key_rank') }} as quarantine_id
        {%- endif %}
    from {{ ref(parent.model) }}
    {%- if not parent.is_rejected %}
    where _quarantine_reason is not null
    {%- endif %}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

)

select * from quarantined
