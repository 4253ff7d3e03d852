{#- Erasure everywhere the project stores (issue 11). The marts never carry an erased person's
    personal data (customers nulls it, campaign_audience leaves them out, dq_quarantine and
    identity_graph_audit redact it), but entity resolution needs the data while it builds, so
    staging and intermediate tables hold it until the build is over. scrub_erased_pii() then
    removes it from every staging and intermediate table: each column tagged meta.pii is nulled
    (raw_record loses the var pii_raw_fields; the column named by meta.input_digest_column, the
    digest an incremental model keeps of a row's inputs, too, so that the next build computes
    the row again) in the rows of erased persons, found through the
    first key the table has - quarantine_id, contact_key, source_system + source_record_id,
    suppression_id, customer_id, account_id or identifier_value - and the stored failures of
    tests (schema dq_test_failures) that mention their e-mail, phone or national id are deleted;
    the base tables (base models of raw tables without declared personal data) lose the
    quarantined rows of erased persons (an incremental one keeps a tombstone without values,
    batch -1, whose partition the next build stages again).
    It runs in the publishing transaction (publish_marts), after every passing build. Kept
    published versions are dropped when an erasure request arrives (publish_marts), the raw
    schema is the operator's: `crm-segments erase --purge-raw` redacts it. -#}

{% macro scrub_erased_pii() -%}
    {{ return(adapter.dispatch('scrub_erased_pii', 'crm_segments')()) }}
{%- endmacro %}

{% macro default__scrub_erased_pii() -%}
    {%- set pii_raw_fields = var('pii_raw_fields') -%}
    {%- set links = [
        (['quarantine_id'], 'crm_erased_quarantine'),
        (['contact_key'], 'crm_erased_records'),
        (['source_system', 'source_record_id'], 'crm_erased_records'),
        (['suppression_id'], 'crm_erased_suppressions'),
        (['customer_id'], 'crm_erased_customers'),
        (['account_id'], 'crm_erased_accounts'),
        (['identifier_value'], 'crm_erased_identifiers'),
    ] -%}
create temporary table crm_erased_customers on commit drop as
    select customer_id from {{ crm_segments.model_relation('int_customers_erased') }};
create temporary table crm_erased_records on commit drop as
    select records.contact_key, records.source_system, records.source_record_id
    from {{ crm_segments.model_relation('int_contacts_resolved') }} as records
    inner join crm_erased_customers as erased on records.customer_id = erased.customer_id;
create temporary table crm_erased_accounts on commit drop as
    select holders.account_id
    from {{ crm_segments.model_relation('int_accounts_resolved') }} as holders
    inner join crm_erased_customers as erased on holders.customer_id = erased.customer_id;
create temporary table crm_erased_identifiers on commit drop as
    select distinct ids.identifier_value
    from {{ crm_segments.model_relation('int_contact_identifiers') }} as ids
    inner join crm_erased_records as erased on ids.contact_key = erased.contact_key
    where ids.identifier_type <> 'address';
create temporary table crm_erased_suppressions on commit drop as
    select distinct reach.suppression_id
    from {{ crm_segments.model_relation('int_suppressions_resolved') }} as reach
    inner join crm_erased_customers as erased on reach.customer_id = erased.customer_id;
create temporary table crm_erased_quarantine on commit drop as
    select quarantine_id from {{ crm_segments.model_relation('int_quarantined_rows_erased') }};
    {%- for node in graph.nodes.values() | sort(attribute='name') -%}
        {%- if node.resource_type == 'model' and node.package_name == 'crm_segments'
            and node.fqn[1] in ['staging', 'intermediate']
            and node.config.materialized in ['table', 'incremental'] -%}
            {%- set pii = [] -%}
            {%- for name, column in node.columns.items() if column.meta.get('pii', false) -%}
                {%- do pii.append(name) -%}
            {%- endfor -%}
            {%- set link = [] -%}
            {%- for columns, erased in links if not link -%}
                {%- if columns | select('in', node.columns.keys() | list) | list | length == columns | length -%}
                    {%- do link.append((columns, erased)) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if pii and not link -%}
                {{ exceptions.raise_compiler_error('scrub_erased_pii: ' ~ node.name ~ ' has PII columns but none of the keys that find an erased person\'s rows') }}
            {%- endif -%}
            {%- set digest = node.config.get('meta', {}).get('input_digest_column') -%}
            {%- if pii %}
-- {{ node.name }}: {{ pii | join(', ') }} by {{ link[0][0] | join(' + ') }}
update {{ adapter.quote(node.schema) }}.{{ adapter.quote(node.alias or node.name) }} as scrubbed
set
                {%- if digest %}
    -- the digest of what the row was computed from: without it, the next build computes the
    -- row again (an incremental model: macros/standardize/contacts_standardized.sql)
    {{ digest }} = null,
                {%- endif %}
                {%- for column in pii %}
    {{ column }} = {% if column == 'raw_record' %}(scrubbed.raw_record - array['{{ pii_raw_fields | join("', '") }}']::text[]) || '{"_pii_erased": true}'::jsonb{% else %}null{% endif %}{{ ',' if not loop.last }}
                {%- endfor %}
where ({{ link[0][0] | join(', ') }}) in (
    select {{ link[0][0] | join(', ') }} from {{ link[0][1] }}
);
            {%- endif -%}
        {%- endif -%}
    {%- endfor %}
    {#- base models materialized as tables (raw tables without declared personal data): their
        quarantined rows of an erased person (a raw row carrying the person's e-mail, phone or
        national id in any field) are deleted; the build reads them again from raw #}
    {%- for node in graph.nodes.values() | sort(attribute='name') -%}
        {%- if node.resource_type == 'model' and node.package_name == 'crm_segments'
            and node.name.startswith('base_') and node.config.materialized in ['table', 'incremental'] -%}
            {%- set raw_sources = [] -%}
            {%- for parent in node.depends_on.nodes if parent.startswith('source.') -%}
                {%- do raw_sources.append(graph.sources[parent]) -%}
            {%- endfor %}
            {%- if node.config.materialized == 'table' %}
-- {{ node.name }}: quarantined rows of erased persons
delete from {{ adapter.quote(node.schema) }}.{{ adapter.quote(node.alias or node.name) }} as scrubbed
            {%- else %}
-- {{ node.name }} (incremental staging): quarantined rows of erased persons become tombstones,
-- their values gone; the next build ranks their partitions again from raw, as a full build
-- does (macros/incremental_staging.sql)
update {{ adapter.quote(node.schema) }}.{{ adapter.quote(node.alias or node.name) }} as scrubbed
set
                {%- for column in raw_sources[0].columns %}
    {{ column }} = null,
                {%- endfor %}
    _raw_record = null,
    _crm_batch_id = -1
            {%- endif %}
where scrubbed._quarantine_reason is not null
    and {{ crm_segments.quarantine_id(raw_sources[0].name, 'scrubbed._source_key', 'scrubbed._key_rank') }} in (
        select quarantine_id from crm_erased_quarantine
    );
        {%- endif -%}
    {%- endfor %}
-- stored test failures that mention an erased person's e-mail, phone or national id
do $scrub$
declare
    v_table record;
begin
    for v_table in
        select table_schema, table_name from information_schema.tables
        where table_schema = 'dq_test_failures' and table_type = 'BASE TABLE'
    loop
        execute format(
            'delete from %I.%I as failed where exists (select from crm_erased_identifiers as erased '
            'where strpos(lower(failed::text), lower(split_part(erased.identifier_value, '':'', '
            '1 + (erased.identifier_value ~ ''^[a-z_]+:'')::int))) > 0)',
            v_table.table_schema, v_table.table_name
        );
    end loop;
end
$scrub$;
{%- endmacro %}
