{#- Consent, control groups and grants (issue 4). -#}

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


{% macro grant_marts_schema_usage() -%}
    {{ return(adapter.dispatch('grant_marts_schema_usage', 'crm_segments')()) }}
{%- endmacro %}

{#- Usage on the marts schema (var marts_schema) for the BI and campaign roles that exist.
    publish_marts runs it in its transaction, beside the column grants: once per publish, so
    that parallel model hooks never update the schema's ACL concurrently. -#}
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

{#- A whole select: the rows of the CTE `rows` (staged rows naming a contact record by
    source_system and source_record_id) that are rejected, with reason_code: invalid_reason when
    invalid_condition holds; quarantined_contact_record when the record was staged but not
    resolved (unidentifiable, so quarantined itself); unknown_contact_record when no staged
    contact record has that key. A row whose record was resolved to a person is not returned.
    The result is fenced (offset 0): a caller that joins it to the raw records joins the few
    rejected rows, where the planner had joined every staged row with its raw record before the
    reasons were known (int_consent_events_rejected at 1M customers: 3.9 M rows, 23 times its
    100k time). -#}
{% macro default__contact_record_reference_reason(rows, invalid_condition, invalid_reason) -%}
    select *
    from (
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
    ) as classified
    where reason_code is not null
    /* noqa: AM09 */ offset 0
{%- endmacro %}



{% macro hashed_identifier(expr) -%}
    {{ return(adapter.dispatch('hashed_identifier', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- 'sha256:' and the hex sha256 of a standardized e-mail or E.164 phone (core PostgreSQL's
    sha256, no extension): how an erasure request keeps finding the person after
    `crm-segments erase --purge-raw` removed the address itself from the raw data. -#}
{% macro default__hashed_identifier(expr) -%}
    'sha256:' || encode(sha256(convert_to({{ expr }}, 'UTF8')), 'hex')
{%- endmacro %}
