{#-
  The body of a base model: every raw row of one source table with its key, its raw values as
  JSON and, for rows that cannot be staged, a quarantine reason. Staging models keep the rows
  whose reason is NULL; int_source_rows_quarantined collects the others, so for every raw table
  raw rows = staged rows + quarantined rows (tested on each source).

  Reasons:
    missing_key    a key column is empty
    invalid_key    a key column is present but unreadable (e.g. a billing month "13/2026")
    duplicate_row  an exact copy of the row that was kept for the same key
    duplicate_key  same key as the kept row, different values

  Among rows sharing a key the kept one is the most recent by `recency` (when given), then the
  smallest raw record in jsonb order: deterministic whatever the physical row order.

  Arguments:
    relation   the source()
    keys       list of [name, raw expression, key expression]; the key expression may use
               `prepared` columns; a raw expression of none means the part is never missing
    prepared   optional {column alias: expression} computed once per row before keying (kept
               in the output, so staging can reuse them)
    recency    optional expression (over raw or prepared columns): the most recent row wins
-#}
{% macro keyed_source_rows(relation, keys, prepared={}, recency=none) -%}
    {{ return(adapter.dispatch('keyed_source_rows', 'crm_segments')(relation, keys, prepared, recency)) }}
{%- endmacro %}

{% macro default__keyed_source_rows(relation, keys, prepared={}, recency=none) -%}
with

source as (

    select * from {{ relation }}

),

prepared as (

    select
        source.*,
        to_jsonb(source) as _raw_record
        {%- for alias, expression in prepared.items() %},
        {{ expression }} as {{ alias }}
        {%- endfor %}
    from source
    -- offset 0 is a fence: the prepared expressions are computed once per row
    offset 0  -- noqa: AM09

),

keyed as (

    select
        prepared.*,
        {%- for name, raw, key in keys %}
        {{ crm_segments.trimmed(raw) if raw is not none else 'false' }} is null as _is_missing_{{ name }},
        ({{ key }})::text as _key_{{ name }},
        {%- endfor %}
        concat_ws('|'
            {%- for name, raw, key in keys %}, coalesce({{ crm_segments.trimmed(raw) if raw is not none else key }}, '')
            {%- endfor %}) as _source_key
    from prepared

),

ranked as (

    select
        keyed.*,
        row_number() over key_window as _key_rank,
        first_value(_raw_record) over key_window as _kept_raw_record
    from keyed
    window key_window as (
        partition by {% for name, raw, key in keys %}_key_{{ name }}{% if not loop.last %}, {% endif %}{% endfor %}
        order by {% if recency %}{{ recency }} desc nulls last, {% endif %}_raw_record
    )

)

select
    ranked.*,
    case
        {%- for name, raw, key in keys %}
        when _is_missing_{{ name }} then 'missing_key'
        {%- endfor %}
        {%- for name, raw, key in keys %}
        when _key_{{ name }} is null then 'invalid_key'
        {%- endfor %}
        when _key_rank > 1 and _raw_record = _kept_raw_record then 'duplicate_row'
        when _key_rank > 1 then 'duplicate_key'
    end as _quarantine_reason
from ranked
{%- endmacro %}
