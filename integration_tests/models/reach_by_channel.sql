{#- The consumer's own model over a public mart of the package: persons reachable and in the
    audience per channel. -#}
select
    channel,
    count(*) filter (where is_reachable) as reachable_persons,
    count(*) filter (where is_in_audience) as audience_persons
from {{ ref('crm_segments', 'customer_channels') }}
group by channel
