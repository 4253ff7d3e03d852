{#- The as-of of this build, in one row (issue 10): the "today" of every rule when the var
    as_of_date is not set, derived from the data so that a build never depends on the day it runs.

    - Daily activity: events per UTC day over every dated table. The data's last day is the
      latest day whose events reach as_of_min_day_share of the average day of the 28 days before
      it: a few stray or future-dated rows (typos, test rows) do not move it.
    - Billing: the latest usage month with at least as_of_min_month_share of the busiest month's
      rows is complete (a month is billed when it is over).
    - as_of_date = the end of the latest billed month; without usage, the end of the latest
      complete calendar month of the daily activity (the last day itself when it ends a month).
    - as_of_at = the end of the last day with data (never before the end of as_of_date): consent
      events, suppressions and contacts up to then count, so a withdrawal in the data is never
      ignored.
    - Data without any dated row (contact records only, e.g. FEBRL) takes the UTC date of its
      last load (`crm-segments load` records it); without a load log either, as_of_date is NULL
      and its not_null test fails the build: set the var as_of_date.
    The macros as_of_date() and as_of_at() read this row unless the var is set (then the row
    repeats the var, and says so). -#}
{%- set event_dates = [
    ('stg_crm__transactions', 'transaction_at'),
    ('stg_crm__interactions', 'started_at'),
    ('stg_crm__consent_events', 'event_at'),
    ('stg_crm__contact_preferences', 'stated_at'),
    ('stg_crm__campaign_contacts', 'contacted_at'),
    ('stg_crm__nps_responses', 'responded_at'),
    ('stg_crm__loyalty_events', 'event_at'),
    ('stg_crm__contacts', 'updated_at'),
    ('stg_crm__subscriptions', 'activated_at'),
] -%}
{%- set as_of_var = var('as_of_date', none) -%}

with

events as (

    {% for model, column in event_dates -%}
        select {{ crm_segments.utc_date(column) }} as event_date
        from {{ ref(model) }}
        where {{ column }} is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

daily as (

    select
        event_date,
        count(*) as event_count
    from events
    group by event_date

),

daily_trailing as (

    select
        event_date,
        event_count,
        coalesce(
            sum(event_count) over (
                order by event_date
                range between interval '28 days' preceding and interval '1 day' preceding
            ),
            0
        ) / 28.0 as trailing_average
    from daily

),

daily_judged as (

    select
        event_date,
        trailing_average > 0
        and event_count >= {{ var('as_of_min_day_share', 0.1) }} * trailing_average as is_full_day
    from daily_trailing

),

daily_end as (

    select
        coalesce(max(event_date) filter (where is_full_day), max(event_date)) as last_data_date,
        max(event_date) as last_event_date
    from daily_judged

),

billed_months as (

    select
        billing_month,
        count(*) as usage_rows
    from {{ ref('stg_crm__monthly_usages') }}
    where billing_month is not null
    group by billing_month

),

billing_end as (

    select max(billing_month) as last_billed_month
    from billed_months
    where
        usage_rows
        >= {{ var('as_of_min_month_share', 0.5) }} * (select max(busiest.usage_rows) from billed_months as busiest)

),

last_load as (

    select max({{ crm_segments.utc_date('loaded_at') }}) as last_load_date
    from {{ ref('stg_crm__table_loads') }}

),

from_data as (

    select
        daily_end.last_data_date,
        daily_end.last_event_date,
        billing_end.last_billed_month,
        last_load.last_load_date,
        coalesce(
            (billing_end.last_billed_month + interval '1 month' - interval '1 day')::date,
            -- the last day itself when it ends its month, else the end of the month before
            (date_trunc('month', daily_end.last_data_date + 1) - interval '1 day')::date
        ) as dated_as_of_date
    from daily_end
    cross join billing_end
    cross join last_load

),

final as (

    select
        {% if as_of_var is none -%}
            coalesce(from_data.dated_as_of_date, from_data.last_load_date) as as_of_date,
            (
                coalesce(greatest(from_data.last_data_date, from_data.dated_as_of_date), from_data.last_load_date) + 1
            )::timestamptz as as_of_at,
            case
                when from_data.dated_as_of_date is not null then 'data'
                when from_data.last_load_date is not null then 'load_date'
                else 'no_data'
            end as as_of_source,
        {%- elif as_of_var == 'today' -%}
            ({{ crm_segments.clock_as_of_at() }} at time zone 'UTC')::date as as_of_date,
            {{ crm_segments.clock_as_of_at() }} as as_of_at,
            'clock' as as_of_source,
        {%- else -%}
            date '{{ crm_segments.checked_as_of_date(as_of_var) }}' as as_of_date,
            (date '{{ crm_segments.checked_as_of_date(as_of_var) }}' + 1)::timestamptz as as_of_at,
            'var' as as_of_source,
        {%- endif %}
        coalesce(from_data.dated_as_of_date, from_data.last_load_date) as data_as_of_date,
        from_data.last_billed_month,
        from_data.last_data_date,
        from_data.last_event_date
    from from_data

)

select
    *,
    {{ crm_segments.reference_month_of('as_of_date') }} as reference_month
from final
