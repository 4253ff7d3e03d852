-- every (r_score, fm_score) pair of the 5 x 5 grid is covered by exactly one row of rfm_segment_map
with

grid as (

    select
        r_values.r_score,
        fm_values.fm_score
    from generate_series(1, {{ var('rfm_score_buckets', 5) }}) as r_values (r_score)
    cross join generate_series(1, {{ var('rfm_score_buckets', 5) }}) as fm_values (fm_score)

),

covered as (

    select
        grid.r_score,
        grid.fm_score,
        count(segment_map.rfm_segment) as segment_count
    from grid
    left join {{ ref('rfm_segment_map') }} as segment_map
        on grid.r_score between segment_map.r_score_min and segment_map.r_score_max
            and grid.fm_score between segment_map.fm_score_min and segment_map.fm_score_max
    group by grid.r_score, grid.fm_score

)

select * from covered
where segment_count != 1
