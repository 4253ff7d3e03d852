{#- dbt's default__load_csv_rows (dbt-adapters, materializations/seeds/helpers.sql) with one
    change: a row's placeholders are built once per seed. The default calls the dispatched macro
    get_binding_char() for every cell, and those calls were nearly all of the 4 s each of the two
    larger seeds (han_pinyin 6,763 rows, country_codes 2,490) took in every build. The same
    inserts (up to whitespace), batches and bindings. -#}
{% macro postgres__load_csv_rows(model, agate_table) %}
    {%- set batch_size = get_batch_size() -%}
    {%- set cols_sql = get_seed_column_quoted_csv(model, agate_table.column_names) -%}
    {%- set placeholders = [get_binding_char()] * (agate_table.column_names | length) -%}
    {%- set row_sql = "(" ~ placeholders | join(",") ~ ")" -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(batch_size) -%}
        {%- set bindings = [] -%}
        {%- for row in chunk -%}
            {%- do bindings.extend(row) -%}
        {%- endfor -%}
        {%- set sql -%}
            insert into {{ this.render() }} ({{ cols_sql }}) values {{ ([row_sql] * (chunk | length)) | join(",") }}
        {%- endset -%}
        {%- do adapter.add_query(sql, bindings=bindings, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}
