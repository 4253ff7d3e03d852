{#- Write - audit - publish (issue 11).

    A build writes every public mart into the build schema <marts_schema>__build (the marts
    folder's schema in dbt_project.yml), where its tests run. Consumers read the public schema
    (var marts_schema): one partitioned table per mart, whose only partition is the published
    version's table. Publishing moves the build schema's tables into a new version schema
    <marts_schema>__v<N> and, in ONE transaction, detaches every mart's previous version and
    attaches the new one - consumers see all marts change together, and never an empty or
    half-built mart. The public tables themselves are never dropped, so views, column grants
    and row-level security policies that users create on them survive every build. The last
    publish_keep_versions versions stay for `crm-segments publish --rollback`.

    After publishing, the build schema holds a view per mart onto the public table, so dbt's own
    relations (dbt show, docs, the semantic layer, a standalone dbt test) read the published
    state until the next build replaces them with tables.

    Who publishes: `crm-segments build` (run-operation publish_marts, once every dbt invocation
    of the build passed), or, for a plain `dbt build` of the whole project, the on-run-end hook
    when every mart was built and no error-level test or model failed. A partial (--select)
    build, a `dbt run` (nothing audited), a failed or killed build publishes nothing. -#}

{% macro marts_build_schema() -%}
    {{ return(var('marts_schema', 'marts') ~ '__build') }}
{%- endmacro %}


{% macro marts_version_schema(version) -%}
    {{ return(var('marts_schema', 'marts') ~ '__v' ~ version) }}
{%- endmacro %}


{% macro marts_publish_log() -%}
    {{ return(adapter.quote(var('marts_schema', 'marts') ~ '__publish') ~ '.versions') }}
{%- endmacro %}


{#- The public marts: every enabled model of this project under models/marts, with its columns
    (name, is PII) and whether the campaign role reads it (config meta campaign_role_reads). -#}
{% macro public_marts() -%}
    {%- set marts = [] -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.package_name == 'crm_segments'
            and node.fqn[1] == 'marts' and node.config.enabled -%}
            {%- set columns = [] -%}
            {%- for name, column in node.columns.items() -%}
                {%- do columns.append({'name': name, 'pii': column.meta.get('pii', false)}) -%}
            {%- endfor -%}
            {%- do marts.append({
                'name': node.alias or node.name,
                'columns': columns,
                'campaign': node.config.meta.get('campaign_role_reads', false),
            }) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(marts | sort(attribute='name')) }}
{%- endmacro %}


{#- Why a finished dbt invocation may not publish (on-run-end), or none when it may. -#}
{% macro publish_refusal(results) -%}
    {%- if flags.WHICH != 'build' -%}
        {{ return('dbt ' ~ flags.WHICH ~ ' tests nothing; publish after a dbt build') }}
    {%- endif -%}
    {%- set built = [] -%}
    {%- set tested = [] -%}
    {%- for result in results -%}
        {%- if result.node.resource_type == 'test' -%}{%- do tested.append(1) -%}{%- endif -%}
        {%- if result.status in ['error', 'fail', 'runtime error'] -%}
            {{ return(result.node.resource_type ~ ' ' ~ result.node.name ~ ' failed') }}
        {%- endif -%}
        {%- if result.node.resource_type == 'model' and result.status == 'success' -%}
            {%- do built.append(result.node.alias or result.node.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set missing = [] -%}
    {%- for mart in crm_segments.public_marts() if mart.name not in built -%}
        {%- do missing.append(mart.name) -%}
    {%- endfor -%}
    {%- if missing -%}
        {{ return('not every mart was built by this run (' ~ missing | join(', ') ~ ')') }}
    {%- endif -%}
    {%- if not tested -%}
        {{ return('no test ran: an unaudited build is not published') }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}


{#- on-run-end: publish a whole, clean `dbt build`. `crm-segments build` sets
    CRM_SEGMENTS_PUBLISH=cli and publishes itself once all its dbt invocations passed. -#}
{% macro publish_on_run_end(results) -%}
    {%- if execute -%}
        {%- if env_var('CRM_SEGMENTS_PUBLISH', 'on-run-end') == 'on-run-end' -%}
            {%- set refusal = crm_segments.publish_refusal(results) -%}
            {%- if refusal -%}
                {{ log('crm_segments: marts NOT published: ' ~ refusal ~ '; consumers still see the previous version', info=true) }}
            {%- else -%}
                {%- do crm_segments.publish_marts(audited=true) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}


{% macro publish_log_ddl() -%}
    create schema if not exists {{ adapter.quote(var('marts_schema', 'marts') ~ '__publish') }};
    create table if not exists {{ crm_segments.marts_publish_log() }} (
        version integer primary key,
        version_schema text not null,
        published_at timestamptz not null,
        invocation_id text,
        as_of_date date,
        erasure_fingerprint text not null,
        state text not null,  -- current, kept, dropped
        state_changed_at timestamptz not null,
        row_counts jsonb not null default '{}'::jsonb
    )
{%- endmacro %}


{#- Publish the build schema's marts as the next version (see the top of this file), after
    removing erased persons' data from staging and intermediate (scrub_erased_pii). audited: the
    caller vouches that the build and its tests passed. One transaction. -#}
{% macro publish_marts(audited=false) -%}
    {%- if not audited -%}
        {{ exceptions.raise_compiler_error("publish_marts: pass audited=true only after a build whose tests passed") }}
    {%- endif -%}
    {%- set marts = crm_segments.public_marts() -%}
    {%- set public = var('marts_schema', 'marts') -%}
    {%- set build = crm_segments.marts_build_schema() -%}
    {%- set keep = var('publish_keep_versions', 3) | int -%}
    {%- set sql -%}
begin;
{{ crm_segments.publish_log_ddl() }};
{{ crm_segments.scrub_erased_pii() }}
do $publish$
declare
    v_version integer;
    v_schema text;
    v_previous text;
    v_fingerprint text;
    v_column record;
    v_counts jsonb := '{}'::jsonb;
    v_rows bigint;
    v_old record;
begin
    -- one publisher at a time; readers are blocked only for the catalog changes below
    perform pg_advisory_xact_lock(hashtext('crm_segments.publish.{{ public }}'));
    set local lock_timeout = '{{ var("publish_lock_timeout_seconds", 60) }}s';

    {%- for mart in marts %}
    if not exists (
        select from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
        where n.nspname = '{{ build }}' and c.relname = '{{ mart.name }}' and c.relkind = 'r'
    ) then
        raise exception 'crm_segments: mart % was not built by this build (no table %.%): nothing published',
            '{{ mart.name }}', '{{ build }}', '{{ mart.name }}';
    end if;
    {%- endfor %}

    select coalesce(max(version), 0) + 1 into v_version from {{ crm_segments.marts_publish_log() }};
    v_schema := '{{ public }}__v' || v_version;
    if exists (select from pg_namespace where nspname = v_schema) then
        execute format('drop schema %I cascade', v_schema);  -- left by a failed attempt
    end if;
    select coalesce(md5(string_agg(e.erasure_suppression_id || ':' || e.customer_id, ',' order by e.customer_id)), 'none')
        into v_fingerprint from {{ crm_segments.model_relation('int_customers_erased') }} as e;

    execute format('create schema if not exists %I', '{{ public }}');
    execute format('alter schema %I rename to %I', '{{ build }}', v_schema);

    {%- for mart in marts %}
    -- {{ mart.name }}
    execute format('select count(*) from %I.%I', v_schema, '{{ mart.name }}') into v_rows;
    v_counts := v_counts || jsonb_build_object('{{ mart.name }}', v_rows);
    if exists (
        select from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
        where n.nspname = '{{ public }}' and c.relname = '{{ mart.name }}' and c.relkind <> 'p'
    ) then
        -- a table or view of the time before write-audit-publish: rebuilt on every build then,
        -- so nothing that depended on it could survive anyway
        raise notice 'crm_segments: replacing %.% by a partitioned table', '{{ public }}', '{{ mart.name }}';
        execute (
            select format('drop %s %I.%I cascade',
                case c.relkind when 'v' then 'view' when 'm' then 'materialized view' else 'table' end,
                '{{ public }}', '{{ mart.name }}')
            from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
            where n.nspname = '{{ public }}' and c.relname = '{{ mart.name }}'
        );
    end if;
    if not exists (
        select from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
        where n.nspname = '{{ public }}' and c.relname = '{{ mart.name }}'
    ) then
        execute format(
            'create table %I.%I (like %I.%I including defaults) partition by list (%I)',
            '{{ public }}', '{{ mart.name }}', v_schema, '{{ mart.name }}', '{{ mart.columns[0].name }}'
        );
    else
        {{ crm_segments.detach_published_version(public, mart.name) }}
        -- the contract may have grown: a new column is added to the public table; a removed or
        -- retyped column is a breaking change that consumers must hear about
        for v_column in
            select a.attname, format_type(a.atttypid, a.atttypmod) as column_type, a.attnotnull,
                p.attname is null as is_new, p.attnotnull as public_not_null,
                format_type(p.atttypid, p.atttypmod) as public_type
            from pg_attribute as a
            left join pg_attribute as p
                on p.attrelid = format('%I.%I', '{{ public }}', '{{ mart.name }}')::regclass
                and p.attname = a.attname and p.attnum > 0 and not p.attisdropped
            where a.attrelid = format('%I.%I', v_schema, '{{ mart.name }}')::regclass
                and a.attnum > 0 and not a.attisdropped
        loop
            if v_column.is_new then
                execute format('alter table %I.%I add column %I %s', '{{ public }}', '{{ mart.name }}',
                    v_column.attname, v_column.column_type);
            elsif v_column.public_type <> v_column.column_type then
                raise exception 'crm_segments: column %.% changed type from % to %: a breaking change for consumers; nothing published',
                    '{{ mart.name }}', v_column.attname, v_column.public_type, v_column.column_type;
            elsif v_column.public_not_null and not v_column.attnotnull then
                execute format('alter table %I.%I alter column %I drop not null', '{{ public }}', '{{ mart.name }}',
                    v_column.attname);
            end if;
        end loop;
        for v_column in {{ crm_segments.published_columns_not_in_version(public, mart.name) }}
        loop
            raise exception 'crm_segments: column %.% is no longer in the model: a breaking change for consumers; nothing published (drop the column from %.% yourself to accept it)',
                '{{ mart.name }}', v_column.attname, '{{ public }}', '{{ mart.name }}';
        end loop;
    end if;
    execute format('alter table %I.%I attach partition %I.%I default', '{{ public }}', '{{ mart.name }}',
        v_schema, '{{ mart.name }}');
    -- the documentation travels with each version (persist_docs): the public table shows it
    execute format('comment on table %I.%I is %L', '{{ public }}', '{{ mart.name }}',
        obj_description(format('%I.%I', v_schema, '{{ mart.name }}')::regclass, 'pg_class'));
    for v_column in
        select a.attname, col_description(a.attrelid, a.attnum) as description
        from pg_attribute as a
        where a.attrelid = format('%I.%I', v_schema, '{{ mart.name }}')::regclass
            and a.attnum > 0 and not a.attisdropped
    loop
        execute format('comment on column %I.%I.%I is %L', '{{ public }}', '{{ mart.name }}',
            v_column.attname, v_column.description);
    end loop;
    {{ crm_segments.publish_grants(public, mart) }}
    {%- endfor %}

    -- dbt's relations of the marts read the published state until the next build
    execute format('create schema %I', '{{ build }}');
    {%- for mart in marts %}
    execute format('create view %I.%I as select * from %I.%I', '{{ build }}', '{{ mart.name }}',
        '{{ public }}', '{{ mart.name }}');
    {%- endfor %}

    -- versions: the new one is current; kept ones that predate an erasure request are dropped
    -- (a rollback must never bring an erased person's data back), then all beyond the retention
    update {{ crm_segments.marts_publish_log() }}
    set state = 'kept', state_changed_at = clock_timestamp()
    where state = 'current';
    insert into {{ crm_segments.marts_publish_log() }}
        (version, version_schema, published_at, invocation_id, as_of_date, erasure_fingerprint, state,
         state_changed_at, row_counts)
    values (v_version, v_schema, clock_timestamp(), '{{ invocation_id }}',
        (select as_of_date from {{ crm_segments.model_relation('int_as_of_dates_resolved') }}), v_fingerprint, 'current',
        clock_timestamp(), v_counts);
    for v_old in
        select version, version_schema
        from {{ crm_segments.marts_publish_log() }}
        where state = 'kept'
            and (
                erasure_fingerprint <> v_fingerprint
                or version <= v_version - {{ keep }}
            )
    loop
        execute format('drop schema if exists %I cascade', v_old.version_schema);
        update {{ crm_segments.marts_publish_log() }}
        set state = 'dropped', state_changed_at = clock_timestamp()
        where version = v_old.version;
    end loop;
    raise notice 'crm_segments: published version % (%)', v_version, v_schema;
end
$publish$;
-- the roles' usage on the public schema (which the first publish creates), with their column
-- grants above: a role created since the last publish can read at once
{{ crm_segments.grant_marts_schema_usage() }};
commit;
    {%- endset -%}
    {%- call statement('publish_marts', fetch_result=false, auto_begin=false) -%}
        {{ sql }}
    {%- endcall -%}
    {%- set current = run_query('select version, version_schema from ' ~ crm_segments.marts_publish_log() ~ " where state = 'current'") -%}
    {{ log('crm_segments: published version ' ~ current.rows[0][0] ~ ' (' ~ current.rows[0][1] ~ ') to schema ' ~ public, info=true) }}
{%- endmacro %}


{#- Make an earlier kept version current again (default: the newest kept one before the
    current), in one transaction; the current one is kept (a later rollback can return to it).
    A kept version lacks the columns added to a mart after it: they are added to it as NULL. -#}
{% macro rollback_marts(to_version=none) -%}
    {%- set marts = crm_segments.public_marts() -%}
    {%- set public = var('marts_schema', 'marts') -%}
    {%- set sql -%}
begin;
do $rollback$
declare
    v_target integer;
    v_schema text;
    v_previous text;
    v_column record;
begin
    perform pg_advisory_xact_lock(hashtext('crm_segments.publish.{{ public }}'));
    set local lock_timeout = '{{ var("publish_lock_timeout_seconds", 60) }}s';
    select version, version_schema into v_target, v_schema
    from {{ crm_segments.marts_publish_log() }}
    where state = 'kept'
        {%- if to_version is not none %} and version = {{ to_version | int }}{% else %}
        and version < (select max(version) from {{ crm_segments.marts_publish_log() }} where state = 'current')
        {%- endif %}
    order by version desc
    limit 1;
    if v_target is null then
        raise exception 'crm_segments: no kept version {{ "%s" % to_version if to_version is not none else "before the current one" }} to roll back to (see crm-segments publish --status)';
    end if;
    {%- for mart in marts %}
    if to_regclass(format('%I.%I', v_schema, '{{ mart.name }}')) is null then
        raise exception 'crm_segments: version % has no mart {{ mart.name }} (it is older than the mart)', v_target;
    end if;
    {{ crm_segments.detach_published_version(public, mart.name) }}
    for v_column in {{ crm_segments.published_columns_not_in_version(public, mart.name) }}
    loop
        execute format('alter table %I.%I alter column %I drop not null', '{{ public }}', '{{ mart.name }}', v_column.attname);
        execute format('alter table %I.%I add column %I %s', v_schema, '{{ mart.name }}', v_column.attname, v_column.column_type);
    end loop;
    execute format('alter table %I.%I attach partition %I.%I default', '{{ public }}', '{{ mart.name }}',
        v_schema, '{{ mart.name }}');
    {%- endfor %}
    update {{ crm_segments.marts_publish_log() }}
    set state = 'kept', state_changed_at = clock_timestamp()
    where state = 'current';
    update {{ crm_segments.marts_publish_log() }}
    set state = 'current', state_changed_at = clock_timestamp()
    where version = v_target;
    raise notice 'crm_segments: rolled back to version %', v_target;
end
$rollback$;
commit;
    {%- endset -%}
    {%- call statement('rollback_marts', fetch_result=false, auto_begin=false) -%}
        {{ sql }}
    {%- endcall -%}
    {%- set current = run_query('select version, version_schema from ' ~ crm_segments.marts_publish_log() ~ " where state = 'current'") -%}
    {{ log('crm_segments: version ' ~ current.rows[0][0] ~ ' (' ~ current.rows[0][1] ~ ') is current again in schema ' ~ public, info=true) }}
{%- endmacro %}


{#- Grants on a public mart (they stay on the public table across publishes; re-applied so that
    a new column or a changed PII tag is right): the BI role selects the columns not tagged
    meta.pii, the campaign role the whole mart when it is marked campaign_role_reads. Roles
    that do not exist are skipped. Statements of the publish DO block. -#}
{% macro publish_grants(public, mart) -%}
    {%- set open_columns = [] -%}
    {%- for column in mart.columns if not column.pii -%}
        {%- do open_columns.append(adapter.quote(column.name)) -%}
    {%- endfor %}
    if exists (select from pg_roles where rolname = '{{ var("bi_role") }}') then
        execute format('revoke all on %I.%I from %I', '{{ public }}', '{{ mart.name }}', '{{ var("bi_role") }}');
        {%- for column in mart.columns %}
        execute format('revoke select (%I) on %I.%I from %I', '{{ column.name }}', '{{ public }}', '{{ mart.name }}', '{{ var("bi_role") }}');
        {%- endfor %}
        {%- if open_columns %}
        execute format('grant select ({{ open_columns | join(", ") | replace("%", "%%") }}) on %I.%I to %I', '{{ public }}', '{{ mart.name }}', '{{ var("bi_role") }}');
        {%- endif %}
    end if;
    if exists (select from pg_roles where rolname = '{{ var("campaign_role") }}') then
        execute format('{{ "grant" if mart.campaign else "revoke" }} select on %I.%I {{ "to" if mart.campaign else "from" }} %I',
            '{{ public }}', '{{ mart.name }}', '{{ var("campaign_role") }}');
    end if;
{%- endmacro %}


{#- Pre-hook of every model: the session's statement timeout (var statement_timeout_minutes;
    0 = no limit). -#}
{% macro statement_timeout() -%}
    {%- set minutes = var('statement_timeout_minutes', 120) | int -%}
    set statement_timeout = '{{ minutes }}min'
{%- endmacro %}


{#- Post-hook of every model: ANALYZE the table just written. The next models read it at once,
    long before autovacuum samples it, and without statistics PostgreSQL plans their joins and
    aggregates on default estimates (a table's distinct values guessed as 200): hashes built on
    the large side of a join, spilled in batches. A view or ephemeral model has nothing to sample;
    a model with meta analyze: false is skipped (the base models: only whole scans read them, and
    sampling their raw records costs more than it saves). -#}
{% macro analyze_table() -%}
    {%- if model.config.materialized in ('table', 'incremental')
        and model.config.get('meta', {}).get('analyze', true) -%}
    analyze {{ this }}
    {%- endif -%}
{%- endmacro %}


{#- PL/pgSQL (inside publish_marts' and rollback_marts' DO blocks, which declare v_previous):
    detach whatever version is attached to the public partitioned table public.mart_name. -#}
{% macro detach_published_version(public, mart_name) -%}
for v_previous in
        select format('%I.%I', pn.nspname, pc.relname)
        from pg_inherits as i
        join pg_class as pc on pc.oid = i.inhrelid
        join pg_namespace as pn on pn.oid = pc.relnamespace
        where i.inhparent = format('%I.%I', '{{ public }}', '{{ mart_name }}')::regclass
    loop
        execute format('alter table %I.%I detach partition %s', '{{ public }}', '{{ mart_name }}', v_previous);
    end loop;
{%- endmacro %}


{% macro published_columns_not_in_version(public, mart_name) -%}
select p.attname, format_type(p.atttypid, p.atttypmod) as column_type
        from pg_attribute as p
        where p.attrelid = format('%I.%I', '{{ public }}', '{{ mart_name }}')::regclass
            and p.attnum > 0 and not p.attisdropped
            and not exists (
                select from pg_attribute as a
                where a.attrelid = format('%I.%I', v_schema, '{{ mart_name }}')::regclass
                    and a.attname = p.attname and a.attnum > 0 and not a.attisdropped
            )
{%- endmacro %}
