{#- The as-of of a build: the "today" of every rule, in one place (issue 10).

    var as_of_date   as_of_date()                        as_of_at()
    -------------    ----------------------------------  ------------------------------------
    null (default)   from the data: the end of the       the end of the last day with data
                     latest complete month (the latest   (int_as_of_dates_resolved)
                     billed usage month)
    'today'          the UTC date of as_of_at()          the clock: env CRM_SEGMENTS_AS_OF_AT
                                                         (set once per `crm-segments build`),
                                                         else the start of this dbt invocation
    'YYYY-MM-DD'     that date                           the end of that day

    No model reads the clock (current_date, now(), run_started_at) except through these macros
    with as_of_date: today; python/tests/test_as_of.py checks the compiled SQL for it. -#}

{% macro as_of_date() -%}
    {{ return(adapter.dispatch('as_of_date', 'crm_segments')()) }}
{%- endmacro %}

{% macro default__as_of_date() -%}
    {%- set value = var('as_of_date', none) -%}
    {%- if value is none -%}
        (select resolved.as_of_date from {{ ref('int_as_of_dates_resolved') }} as resolved)
    {%- elif value == 'today' -%}
        ({{ crm_segments.clock_as_of_at() }} at time zone 'UTC')::date
    {%- else -%}
        date '{{ crm_segments.checked_as_of_date(value) }}'
    {%- endif -%}
{%- endmacro %}


{% macro as_of_at() -%}
    {{ return(adapter.dispatch('as_of_at', 'crm_segments')()) }}
{%- endmacro %}

{#- "Now" for consent, suppressions, reachability and contact pressure. -#}
{% macro default__as_of_at() -%}
    {%- set value = var('as_of_date', none) -%}
    {%- if value is none -%}
        (select resolved.as_of_at from {{ ref('int_as_of_dates_resolved') }} as resolved)
    {%- elif value == 'today' -%}
        {{ crm_segments.clock_as_of_at() }}
    {%- else -%}
        (date '{{ crm_segments.checked_as_of_date(value) }}' + 1)::timestamptz
    {%- endif -%}
{%- endmacro %}


{% macro reference_month() -%}
    {{ return(adapter.dispatch('reference_month', 'crm_segments')()) }}
{%- endmacro %}

{#- The last complete month on or before the as-of date (2026-10-31 -> 2026-10-01,
    2026-11-23 -> 2026-10-01): monthly rules never read a month that is still running. -#}
{% macro default__reference_month() -%}
    {{ crm_segments.reference_month_of(crm_segments.as_of_date()) }}
{%- endmacro %}


{% macro reference_month_of(date_expr) -%}
    {{ return(adapter.dispatch('reference_month_of', 'crm_segments')(date_expr)) }}
{%- endmacro %}

{#- The first day of the last complete month on or before a date. -#}
{% macro default__reference_month_of(date_expr) -%}
    (date_trunc('month', {{ date_expr }} + 1) - interval '1 month')::date
{%- endmacro %}


{#- The clock, read once: CRM_SEGMENTS_AS_OF_AT (an ISO timestamp that `crm-segments build`
    sets once, so that its several dbt invocations share one "now"), else the start of this dbt
    invocation - never the clock of each statement, or a grant expiring between a model and its
    test breaks an invariant. Only for as_of_date: today. -#}
{% macro clock_as_of_at() -%}
    {%- if env_var('CRM_SEGMENTS_AS_OF_AT', '') -%}
        '{{ env_var("CRM_SEGMENTS_AS_OF_AT") }}'::timestamptz
    {%- else -%}
        '{{ run_started_at.isoformat() }}'::timestamptz
    {%- endif -%}
{%- endmacro %}


{#- The var as_of_date when it is a calendar date YYYY-MM-DD; a compilation error naming the var
    otherwise (plain dbt users get the message before anything is built: validate_vars runs on
    run start). -#}
{% macro checked_as_of_date(value) -%}
    {%- set text = value | string -%}
    {%- if not modules.re.match('^\\d{4}-\\d{2}-\\d{2}$', text) -%}
        {{ exceptions.raise_compiler_error("var as_of_date: " ~ text ~ " is not a date YYYY-MM-DD, 'today' or null (from the data)") }}
    {%- endif -%}
    {%- set parsed = modules.datetime.datetime.strptime(text, '%Y-%m-%d') -%}
    {%- if parsed.year < var('min_valid_year') | int or parsed.year > var('max_valid_year') | int -%}
        {{ exceptions.raise_compiler_error("var as_of_date: " ~ text ~ " is outside the valid years " ~ var('min_valid_year') ~ "-" ~ var('max_valid_year') ~ " (vars min_valid_year, max_valid_year)") }}
    {%- endif -%}
    {{- text -}}
{%- endmacro %}


{#- on-run-start: the vars whose mistakes would otherwise surface late. The full check of every
    var against vars_schema.yml runs in `crm-segments` before dbt starts. -#}
{% macro validate_vars() -%}
    {%- if execute -%}
        {%- set value = var('as_of_date', none) -%}
        {%- if value is not none and value != 'today' -%}
            {%- do crm_segments.checked_as_of_date(value) -%}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}
