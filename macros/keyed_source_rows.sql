{#-
  The body of a base model: every raw row of one source table with its key and, for rows that
  cannot be staged, a quarantine reason and the raw values as JSON (see keep_staged_records).
  Staging models keep the rows whose reason is NULL; int_source_rows_quarantined collects the
  others, so for every raw table raw rows = staged rows + quarantined rows (tested on each
  source).

  Reasons:
    missing_key    a key column is empty
    key_too_long   a key column is longer than the var max_key_length (it could not be indexed)
    invalid_key    a key column is present but unreadable (e.g. a billing month "13/2026")
    duplicate_row  an exact copy of the row that was kept for the same key
    duplicate_key  same key as the kept row, different values

  Among rows sharing a key the kept one is the most recent by `recency` (when given), then the
  smallest raw record in jsonb order: deterministic whatever the physical row order. The JSON
  of a raw row is built only where it is read (a row whose key other rows share, a quarantined
  row, every row with keep_staged_records): building it for each of a table's rows cost about
  a fifth of the base models' time, more than counting the rows of each key.

  Bounded input (issue 11): every other column of the contract (the source's YAML columns) that
  is longer than the var max_value_length is NULL before any parsing or pattern sees it, and its
  name is listed in _oversized_fields (staging adds it to invalid_fields); the raw record keeps
  the original row. Extra columns of the raw table are kept in the raw record only.

  Incremental staging (macros/incremental_staging.sql): in a base model configured as an
  incremental table, every row also carries its raw batch (_crm_batch_id, 0 for a row without
  one) and its partition (_key_parts: the key columns as one array), and an incremental run
  reads only the raw rows of the partitions that rows of new batches (or tombstones of the
  erasure scrub) fall in, found by one key part (filter_key). The loader's batch column is never
  part of a raw record.

  Arguments:
    relation   the source()
    keys       list of [name, raw expression, key expression]; the key expression may use
               `prepared` columns; a raw expression of none means the part is never missing
    prepared   optional {column alias: expression} computed once per row before keying (kept
               in the output, so staging can reuse them)
    recency    optional expression (over raw or prepared columns): the most recent row wins
    keep_staged_records
               false (default): _raw_record is kept only on the quarantined rows (what
               int_source_rows_quarantined reads) and is NULL on the staged ones, so a base
               table is not a second copy of its raw table (at 1M customers usage's base table
               took 6.1 GB with every record, 3.1 GB without); true for a base model whose
               staged rows can still be rejected downstream with their raw record
               (int_consent_events_rejected, int_contact_preferences_rejected,
               int_contacts_quarantined)
    filter_key optional name of the key part that finds an incremental run's partitions (the
               first by default); its key expression reads raw columns only
-#}
{% macro keyed_source_rows(relation, keys, prepared={}, recency=none, keep_staged_records=false, filter_key=none) -%}
    {{ return(adapter.dispatch('keyed_source_rows', 'crm_segments')(relation, keys, prepared, recency, keep_staged_records, filter_key)) }}
{%- endmacro %}

{% macro default__keyed_source_rows(relation, keys, prepared={}, recency=none, keep_staged_records=false, filter_key=none) -%}
{%- set max_key = var('max_key_length', 200) | int -%}
{%- set max_value = var('max_value_length', 1000) | int -%}
{%- set key_columns = [] -%}
{%- for name, raw, key in keys %}{% if raw is not none %}{% do key_columns.append(raw) %}{% endif %}{% endfor -%}
{%- set contract_columns = crm_segments.source_contract_columns(relation) -%}
{#- a row's raw record: built lazily from the raw row for a declared raw table whose staged rows
    keep no record; carried from the start otherwise (keep_staged_records, or a unit-test
    fixture, which has no contract columns) -#}
{%- set lazy_record = contract_columns and not keep_staged_records -%}
{%- set record = 'to_jsonb(_raw_row)' if lazy_record else '_raw_record' -%}
{#- the rows of a shared key are counted unless every record is built anyway (a fixture too, so
    that the unit tests run the counting) -#}
{%- set count_shared = lazy_record or not contract_columns -%}
{#- incremental staging: the batch and partition columns (a declared raw table only) -#}
{%- set with_batch = contract_columns and config.get('materialized') == 'incremental' -%}
{%- set has_batch = contract_columns and crm_segments.raw_has_batch_column(relation) -%}
{%- set appended_only = with_batch and has_batch and crm_segments.is_incremental_staging() -%}
{%- set filter_parts = keys | selectattr(0, 'equalto', filter_key or keys[0][0]) | list -%}
{%- if with_batch and (filter_parts | length != 1 or filter_parts[0][1] is none) -%}
    {{ exceptions.raise_compiler_error('keyed_source_rows: filter_key ' ~ (filter_key or keys[0][0]) ~ ' is not a key part with a raw column') }}
{%- endif -%}
{#- the loader's batch column is no part of a raw row's record -#}
{%- set raw_json = "(to_jsonb(raw_rows) - '_crm_batch_id')" if has_batch else 'to_jsonb(raw_rows)' -%}
{%- set record = "(to_jsonb(_raw_row) - '_crm_batch_id')" if lazy_record and has_batch else record -%}
with

source as (

    {% if contract_columns -%}
        select
            {%- for column in contract_columns %}
                {%- if column in key_columns %}
            raw_rows.{{ column }},
                {%- else %}
            case when length(raw_rows.{{ column }}::text) > {{ max_value }} then null else raw_rows.{{ column }} end
                as {{ column }},
                {%- endif %}
            {%- endfor %}
            array_remove(array[
                {%- for column in contract_columns if column not in key_columns %}
                case when length(raw_rows.{{ column }}::text) > {{ max_value }} then '{{ column }}' end
                {%- if not loop.last %},{% endif %}
                {%- endfor %}
            ]::text[], null) as _oversized_fields,
            {%- if with_batch %}
            {{ 'coalesce(raw_rows._crm_batch_id, 0)' if has_batch else '0::bigint' }} as _crm_batch_id,
            {%- endif %}
            -- lazy_record: the raw row as it is (cheap), its JSON built below where it is read
            {{ 'raw_rows as _raw_row' if lazy_record else raw_json ~ ' as _raw_record' }}
        from {{ relation }} as raw_rows
        {%- if appended_only %}
        -- an incremental run: the partitions that rows of new batches fall in, whole
        where {{ crm_segments.appended_partitions_filter(relation,
            'case when length((' ~ filter_parts[0][1] ~ ')::text) <= ' ~ max_key ~ ' then (' ~ filter_parts[0][2] ~ ')::text end',
            '_key_' ~ filter_parts[0][0]) }}
        {%- endif %}
    {%- else -%}
        select
            raw_rows.*,
            array[]::text[] as _oversized_fields,
            to_jsonb(raw_rows) as _raw_record
        from {{ relation }} as raw_rows
    {%- endif %}

),

prepared as (

    select
        source.*
        {%- for alias, expression in prepared.items() %},
        {{ expression }} as {{ alias }}
        {%- endfor %}
    from source
    -- offset 0 is a fence: the prepared expressions are computed once per row
    /* noqa: AM09 */ offset 0

),

keyed as (

    select
        prepared.*,
        {%- for name, raw, key in keys %}
        {{ crm_segments.trimmed(raw) if raw is not none else 'false' }} is null as _is_missing_{{ name }},
        {%- if raw is not none %}
        coalesce(length({{ raw }}::text) > {{ max_key }}, false) as _is_too_long_{{ name }},
        case when length({{ raw }}::text) <= {{ max_key }} then ({{ key }})::text end as _key_{{ name }},
        {%- else %}
        false as _is_too_long_{{ name }},
        ({{ key }})::text as _key_{{ name }},
        {%- endif %}
        {%- endfor %}
        left(concat_ws('|'
            {%- for name, raw, key in keys %}, coalesce({{ crm_segments.trimmed(raw) if raw is not none else key }}, '')
            {%- endfor %}), {{ max_key }}) as _source_key
    from prepared

),

{% if count_shared -%}
-- how many rows share the key: a key's rows are ordered by their raw records only when there
-- are several (building the JSON of every raw row cost more than counting: 4.4 us a row)
counted as (

    select
        keyed.*,
        count(*) over (
            partition by
            {%- for name, raw, key in keys %} _key_{{ name }}{% if not loop.last %},{% endif %}{% endfor %}
            {%- if recency %}
            order by {{ recency }} desc nulls last
            {%- endif %}
            rows between unbounded preceding and unbounded following
        ) as _key_rows
    from keyed

),
{%- endif %}

ranked as (

    select
        recorded.*,
        row_number() over key_window as _key_rank,
        -- a later row that copies the kept one: a flag, not the kept record itself (the base
        -- tables stay one raw record wide), compared only for rows after the first
        row_number() over key_window > 1
        and _record_of_shared_key = first_value(_record_of_shared_key) over key_window as _is_copy_of_kept
    -- not fenced: the window below then sorts only within the runs of equal keys that
    -- counted already sorted (an incremental sort), not every row again
    from (
        {% if count_shared -%}
        select
            counted.*,
            case when counted._key_rows > 1 then {{ record }} end as _record_of_shared_key
        from counted
        {%- else -%}
        select
            keyed.*,
            {{ record }} as _record_of_shared_key
        from keyed
        {%- endif %}
    ) as recorded
    window key_window as (
        partition by {% for name, raw, key in keys %}_key_{{ name }}{% if not loop.last %}, {% endif %}{% endfor %}
        order by {% if recency %}{{ recency }} desc nulls last, {% endif %}_record_of_shared_key
    )

),

reasoned as (

    select
        ranked.*,
        case
            {%- for name, raw, key in keys %}
            when _is_missing_{{ name }} then 'missing_key'
            {%- endfor %}
            {%- for name, raw, key in keys %}
            when _is_too_long_{{ name }} then 'key_too_long'
            {%- endfor %}
            {%- for name, raw, key in keys %}
            when _key_{{ name }} is null then 'invalid_key'
            {%- endfor %}
            when _key_rank > 1 and _is_copy_of_kept then 'duplicate_row'
            when _key_rank > 1 then 'duplicate_key'
        end as _quarantine_reason
    from ranked

)

{% if not contract_columns -%}
{#- a unit-test fixture has no contract columns to list: every record is kept -#}
select * from reasoned
{%- else -%}
-- the columns of ranked in their order, the raw record where the row is quarantined (or on
-- every row with keep_staged_records)
select
    {%- for column in contract_columns %}
    {{ column }},
    {%- endfor %}
    _oversized_fields,
    {%- if lazy_record %}
    case when _quarantine_reason is not null then coalesce(_record_of_shared_key, {{ record }}) end as _raw_record,
    {%- else %}
    _raw_record,
    {%- endif %}
    {%- for alias in prepared %}
    {{ alias }},
    {%- endfor %}
    {%- for name, raw, key in keys %}
    _is_missing_{{ name }},
    _is_too_long_{{ name }},
    _key_{{ name }},
    {%- endfor %}
    _source_key,
    _key_rank,
    _is_copy_of_kept,
    {%- if with_batch %}
    _crm_batch_id,
    array[{% for name, raw, key in keys %}_key_{{ name }}{% if not loop.last %}, {% endif %}{% endfor %}]::text[] as _key_parts,
    {%- endif %}
    _quarantine_reason
from reasoned
{%- endif %}
{%- endmacro %}



{% macro source_contract_columns(relation) -%}
    {{ return(adapter.dispatch('source_contract_columns', 'crm_segments')(relation)) }}
{%- endmacro %}

{#- The columns a raw table's YAML declares (the contract), in order; [] when the relation is not
    a declared source table (a unit-test fixture) or before execution. -#}
{% macro default__source_contract_columns(relation) -%}
    {%- set names = [] -%}
    {%- if execute and relation.identifier is defined and graph.sources is defined -%}
        {%- for node in graph.sources.values() -%}
            {%- if node.package_name == 'crm_segments' and node.identifier == relation.identifier
                and node.schema == relation.schema -%}
                {%- for column in node.columns.values() %}{% do names.append(column.name) %}{% endfor -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(names) }}
{%- endmacro %}



{% macro quarantine_id(source_table, source_key, key_rank, reason_code=none) -%}
    {{ return(adapter.dispatch('quarantine_id', 'crm_segments')(source_table, source_key, key_rank, reason_code)) }}
{%- endmacro %}

{#- The id of a quarantined raw row (dq_quarantine.quarantine_id): raw table, raw key and rank
    among the rows sharing the key; a row rejected after staging (reason_code given) also hashes
    its reason. One definition for every model, test and erasure step that finds the row. -#}
{% macro default__quarantine_id(source_table, source_key, key_rank, reason_code=none) -%}
    md5(concat_ws('|', '{{ source_table }}'::text, {{ source_key }}, {{ key_rank }}
    {%- if reason_code is not none %}, {{ reason_code }}{% endif %}))
{%- endmacro %}
