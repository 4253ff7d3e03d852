{#- Incremental staging of the append-only raw tables (issue 15: the nightly run).

    `crm-segments load` writes the batch that loaded each raw row into the column _crm_batch_id
    (python/crm_segments/load.py). The base model of an append-only raw table (transactions,
    usage, consent events, campaign contacts, interactions, loyalty events, NPS responses,
    contact preferences) and its staging model are incremental tables of the raw key's
    partitions (_key_parts, the key columns as one array: a NULL part, a missing or unreadable
    key, is a partition too):

    - base: the raw rows of every partition that has a row of a batch after the table's own
      latest batch are keyed and ranked again, with all the raw rows of those partitions; dbt's
      delete+insert replaces the partitions (keyed_source_rows, appended_partitions_filter);
    - staging: the kept rows of the base partitions holding a row of a batch after the staging
      table's own latest batch are staged again (appended_partitions);
    - a batch that replaced or emptied the raw table after the model's latest batch, or a raw
      table without _crm_batch_id (filled by another loader), empties the model first: it is
      then rebuilt whole (restart_incremental_staging, a pre-hook);
    - the erasure scrub (scrub_erased_pii) empties an erased person's quarantined rows in a
      base table into tombstones (batch -1, no values): the next build ranks their partitions
      again from raw, so the base table then holds what a full build holds.

    A partition's ranks depend on its own rows only, so each state equals a full refresh of the
    same raw rows. Changed code or vars, and raw rows changed outside `crm-segments load`, are
    not seen by dbt: `crm-segments build` runs with --full-refresh when the project's code, vars
    or versions differ from those of the last successful build, or when the rows of the batches
    it staged changed (python/crm_segments/incremental.py); a plain `dbt build` after such a
    change needs --full-refresh, and fails (on_schema_change: fail) when the columns changed. -#}

{% macro incremental_staging_config(raw_table) -%}
    {{ return(adapter.dispatch('incremental_staging_config', 'crm_segments')(raw_table)) }}
{%- endmacro %}

{#- The config of an incremental staging model (base or staging) of a raw table of the crm
    source: `{{ config(**crm_segments.incremental_staging_config('transactions')) }}`. -#}
{% macro default__incremental_staging_config(raw_table) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': '_key_parts',
        'on_schema_change': 'fail',
        'pre_hook': "{{ crm_segments.restart_incremental_staging('" ~ raw_table ~ "') }}",
    }) }}
{%- endmacro %}


{% macro raw_has_batch_column(relation) -%}
    {{ return(adapter.dispatch('raw_has_batch_column', 'crm_segments')(relation)) }}
{%- endmacro %}

{#- True when the raw table carries the loader's batch column (only known at execution). -#}
{% macro default__raw_has_batch_column(relation) -%}
    {%- if not execute or relation.identifier is not defined -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {{ return('_crm_batch_id' in columns) }}
{%- endmacro %}


{% macro is_incremental_staging() -%}
    {{ return(adapter.dispatch('is_incremental_staging', 'crm_segments')()) }}
{%- endmacro %}

{#- True while a model configured as incremental staging runs incrementally. -#}
{% macro default__is_incremental_staging() -%}
    {{ return(config.get('materialized') == 'incremental' and is_incremental()) }}
{%- endmacro %}


{% macro latest_batch(relation) -%}
    {{ return(adapter.dispatch('latest_batch', 'crm_segments')(relation)) }}
{%- endmacro %}

{#- The latest raw batch a base or staging table holds: -1 when it is empty (then every row is
    new: rows loaded before the batch column existed are batch 0). -#}
{% macro default__latest_batch(relation) -%}
    (select coalesce(max(_crm_batch_id), -1) from {{ relation }})
{%- endmacro %}


{% macro appended_partitions_filter(relation, key_expression, key_column) -%}
    {{ return(adapter.dispatch('appended_partitions_filter', 'crm_segments')(relation, key_expression, key_column)) }}
{%- endmacro %}

{#- The condition that keeps the raw rows of the partitions that rows of new batches fall in,
    or a tombstone (an erased person's quarantined row that the erasure scrub emptied), on one
    key part (its expression reads raw columns only, unqualified: in the subquery they are the
    new rows'; key_column is the part's column in the base table). A value shared by several
    partitions brings them all in, whole: each is ranked again from all of its rows, as in a
    full build. -#}
{% macro default__appended_partitions_filter(relation, key_expression, key_column) -%}
    array[{{ key_expression }}] in (
        select array[{{ key_expression }}]
        from {{ relation }} as appended_rows
        where coalesce(appended_rows._crm_batch_id, 0) > {{ crm_segments.latest_batch(this) }}
        union all
        -- the tombstones of erased persons' quarantined rows (scrub_erased_pii)
        select array[tombstones.{{ key_column }}]
        from {{ this }} as tombstones
        where tombstones._crm_batch_id = -1
    )
{%- endmacro %}


{% macro appended_partitions(base_relation) -%}
    {{ return(adapter.dispatch('appended_partitions', 'crm_segments')(base_relation)) }}
{%- endmacro %}

{#- A staging model's source rows in an incremental run: the base partitions that hold a row of
    a batch after the staging table's latest (a condition on _key_parts); true in a full build
    (one layout either way, for the linter). Partitions whose new rows were all quarantined are
    staged again next time too, with the same result. -#}
{% macro default__appended_partitions(base_relation) -%}
    {%- if crm_segments.is_incremental_staging() -%}
    _key_parts in (
        select appended_rows._key_parts
        from {{ base_relation }} as appended_rows
        where appended_rows._crm_batch_id > {{ crm_segments.latest_batch(this) }}
    )
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}


{% macro restart_incremental_staging(raw_table) -%}
    {{ return(adapter.dispatch('restart_incremental_staging', 'crm_segments')(raw_table)) }}
{%- endmacro %}

{#- Pre-hook of an incremental staging model: empty it when its raw table was replaced or
    emptied by a batch after the model's latest one, or when the raw table has no batch column
    (then every build stages it whole). Nothing in a full build. -#}
{% macro default__restart_incremental_staging(raw_table) -%}
    {%- if execute and crm_segments.is_incremental_staging() -%}
        {%- set raw = source('crm', raw_table) -%}
        {%- if not crm_segments.raw_has_batch_column(raw) -%}
truncate table {{ this }}
        {%- else -%}
            {%- set load_log = api.Relation.create(database=raw.database, schema=raw.schema, identifier='_crm_load_log') -%}
do $restart$
begin
    if exists (
        select from {{ load_log }}
        where table_name = '{{ raw_table }}'
            and action in ('replaced', 'emptied')
            and batch_id > {{ crm_segments.latest_batch(this) }}
    ) then
        truncate table {{ this }};
    end if;
end
$restart$
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
