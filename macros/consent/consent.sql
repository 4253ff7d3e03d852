{#- Consent, control groups and grants (issue 4). -#}

{% macro consent_as_of_at() -%}
    {{ return(adapter.dispatch('consent_as_of_at', 'crm_segments')()) }}
{%- endmacro %}

{#- "Now" for consent, suppressions and contact pressure: the end of the day of the var
    as_of_date (so that everything that happened on that day counts); else the environment
    variable CRM_SEGMENTS_AS_OF_AT (an ISO timestamp: `crm-segments build` sets it once, so that
    the several dbt invocations of one build share one "now"); else the start of this dbt
    invocation (run_started_at: one "now" for every model and test of the run, never the clock
    of each statement, or a grant expiring between a model and its test breaks an invariant). -#}
{% macro default__consent_as_of_at() -%}
    {%- if var('as_of_date', none) -%}
        (date '{{ var("as_of_date") }}' + 1)::timestamptz
    {%- elif env_var('CRM_SEGMENTS_AS_OF_AT', '') -%}
        '{{ env_var("CRM_SEGMENTS_AS_OF_AT") }}'::timestamptz
    {%- else -%}
        '{{ run_started_at.isoformat() }}'::timestamptz
    {%- endif -%}
{%- endmacro %}


{% macro hash_bucket(expr, buckets) -%}
    {{ return(adapter.dispatch('hash_bucket', 'crm_segments')(expr, buckets)) }}
{%- endmacro %}

{#- A deterministic bucket in [0, buckets) from the first 32 bits of md5 of a text: the same
    input always lands in the same bucket, on any PostgreSQL, in any run. -#}
{% macro default__hash_bucket(expr, buckets) -%}
    (('x' || substr(md5(({{ expr }})::text), 1, 8))::bit(32)::bigint % {{ buckets }})::integer
{%- endmacro %}


{% macro global_control_member(customer_id) -%}
    {{ return(adapter.dispatch('global_control_member', 'crm_segments')(customer_id)) }}
{%- endmacro %}

{#- True when a person is in the global control group: the bucket of md5(var global_control_salt
    | customer_id) is below var global_control_pct x 100 (of 10000). The one definition, read by
    the mart global_control_group and by models that must know membership without the mart. -#}
{% macro default__global_control_member(customer_id) -%}
    ({{ crm_segments.global_control_bucket(customer_id) }} < {{ var('global_control_pct') }} * 100)
{%- endmacro %}


{% macro global_control_bucket(customer_id) -%}
    {{ return(adapter.dispatch('global_control_bucket', 'crm_segments')(customer_id)) }}
{%- endmacro %}

{#- The person's bucket in [0, 10000) of the global control group hash. -#}
{% macro default__global_control_bucket(customer_id) -%}
    {{ crm_segments.hash_bucket("'" ~ var('global_control_salt') ~ "|' || " ~ customer_id, 10000) }}
{%- endmacro %}


{% macro channel_priority_rank(expr) -%}
    {{ return(adapter.dispatch('channel_priority_rank', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- Position of a channel in the var channel_priority (1 = best); channels not listed last. -#}
{% macro default__channel_priority_rank(expr) -%}
    coalesce(array_position(array[
        {%- for channel in var('channel_priority') -%}
            '{{ channel }}'{{ ', ' if not loop.last }}
        {%- endfor -%}
    ]::text[], {{ expr }}), 999)
{%- endmacro %}


{% macro sql_text_list(values) -%}
    {{ return(adapter.dispatch('sql_text_list', 'crm_segments')(values)) }}
{%- endmacro %}

{#- A list of text literals for an in (...) clause, from a list var. -#}
{% macro default__sql_text_list(values) -%}
    {%- for value in values -%}
        '{{ value }}'{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}


{% macro grant_marts_access() -%}
    {{ return(adapter.dispatch('grant_marts_access', 'crm_segments')()) }}
{%- endmacro %}

{#- Post-hook of every mart: the BI role (var bi_role) may select the mart's columns that are
    not tagged meta.pii (column grants; a rebuilt table loses its grants, so this runs after
    every build). Schema usage comes from grant_marts_schema_usage (on-run-end: granting it
    from parallel hooks would collide). Skipped when the role does not exist (see `crm-segments db roles`). -#}
{% macro default__grant_marts_access() -%}
    {%- set columns = [] -%}
    {%- for name, column in model.columns.items() -%}
        {%- set meta = column.get('meta', {}) if column is mapping else column.meta -%}
        {%- if not meta.get('pii', false) -%}
            {%- do columns.append(adapter.quote(name)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if columns | length > 0 -%}
        do $grant$ begin
            if exists (select from pg_roles where rolname = '{{ var("bi_role") }}') then
                execute 'grant select ({{ columns | join(", ") }}) on {{ this }} to {{ adapter.quote(var("bi_role")) }}';
            end if;
        end $grant$
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}


{% macro grant_campaign_access() -%}
    {{ return(adapter.dispatch('grant_campaign_access', 'crm_segments')()) }}
{%- endmacro %}

{#- Post-hook of campaign_audience and global_control_group: the campaign role (var
    campaign_role) may select the whole table. Skipped when the role does not exist. -#}
{% macro default__grant_campaign_access() -%}
    do $grant$ begin
        if exists (select from pg_roles where rolname = '{{ var("campaign_role") }}') then
            execute 'grant select on {{ this }} to {{ adapter.quote(var("campaign_role")) }}';
        end if;
    end $grant$
{%- endmacro %}


{% macro grant_marts_schema_usage() -%}
    {{ return(adapter.dispatch('grant_marts_schema_usage', 'crm_segments')()) }}
{%- endmacro %}

{#- on-run-end: usage on the marts schema (var marts_schema) for the BI and campaign roles
    that exist. Once per run, so that parallel model hooks do not update the schema's ACL
    concurrently. -#}
{% macro default__grant_marts_schema_usage() -%}
    do $grant$ begin
        if exists (select from pg_namespace where nspname = '{{ var("marts_schema") }}') then
            {%- for role in [var('bi_role'), var('campaign_role')] %}
            if exists (select from pg_roles where rolname = '{{ role }}') then
                execute 'grant usage on schema {{ adapter.quote(var("marts_schema")) }} to {{ adapter.quote(role) }}';
            end if;
            {%- endfor %}
        end if;
    end $grant$
{%- endmacro %}


{% macro contact_record_reference_reason(rows, invalid_condition, invalid_reason) -%}
    {{ return(adapter.dispatch('contact_record_reference_reason', 'crm_segments')(rows, invalid_condition, invalid_reason)) }}
{%- endmacro %}

{#- A whole select: every row of the CTE `rows` (staged rows naming a contact record by
    source_system and source_record_id) with reason_code: invalid_reason when invalid_condition
    holds; NULL when the record was resolved to a person; quarantined_contact_record when the
    record was staged but not resolved (unidentifiable, so quarantined itself);
    unknown_contact_record when no staged contact record has that key. -#}
{% macro default__contact_record_reference_reason(rows, invalid_condition, invalid_reason) -%}
    select
        {{ rows }}.*,
        case
            when {{ invalid_condition }} then '{{ invalid_reason }}'
            when resolved_records.source_record_id is not null then null
            when staged_records.source_record_id is not null then 'quarantined_contact_record'
            else 'unknown_contact_record'
        end as reason_code
    from {{ rows }}
    left join {{ ref('int_contacts_resolved') }} as resolved_records
        on
            {{ rows }}.source_system = resolved_records.source_system
            and {{ rows }}.source_record_id = resolved_records.source_record_id
    left join {{ ref('stg_crm__contacts') }} as staged_records
        on
            {{ rows }}.source_system = staged_records.source_system
            and {{ rows }}.source_record_id = staged_records.source_record_id
{%- endmacro %}
