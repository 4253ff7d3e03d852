{#- MetricFlow's time spine (issue 14): one row per day, a fixed range wide enough for any
    activation, billing month or as-of date of the data (never the clock). -#}
with

days as (

    select series.series_day::date as date_day
    from generate_series(date '1990-01-01', date '2060-12-31', interval '1 day') as series (series_day)

)

select * from days
