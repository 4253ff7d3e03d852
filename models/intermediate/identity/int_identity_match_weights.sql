{#- The match-weight model the build uses: the latest version `crm-segments identity train`
    stored (stg_identity_model__match_weights), or, before the first training, the shipped
    default (seed identity_match_weights_default, model_version 0). One row per field and
    comparison level with its log2 Bayes factor log2(m / u), and the prior as log2 odds. The
    prior (two random records being one person) was learnt on a number of records: it is
    scaled to the records compared now (a person's duplicates are spread over more pairs in a
    larger population), so that a model learnt on a small extract does not over-match a large
    one. -#}
with

trained as (

    select * from {{ ref('stg_identity_model__match_weights') }}

),

latest_version as (

    select max(model_version) as model_version
    from trained

),

latest as (

    select trained.*
    from trained
    inner join latest_version
        on trained.model_version = latest_version.model_version

),

-- the shipped default, for every level the trained model lacks (all of them before the first
-- training; a field added to the comparison since the model was trained)
shipped as (

    select
        coalesce(latest_version.model_version, 0) as model_version,
        seed.field,
        seed.level,
        seed.m_probability,
        seed.u_probability,
        seed.records
    from {{ ref('identity_match_weights_default') }} as seed
    cross join latest_version
    where
        not exists (
            select 1 from latest
            where latest.field = seed.field and latest.level = seed.level
        )

),

chosen as (

    select
        model_version,
        field,
        level,
        m_probability,
        u_probability,
        training_records as records
    from latest
    union all
    select * from shipped

),

compared_records as (

    select count(*)::float8 as records
    from {{ ref('int_contacts_match_fields') }}

),

scaled as (

    select
        chosen.model_version,
        chosen.field,
        chosen.level,
        chosen.u_probability,
        case
            when chosen.field = 'prior' and chosen.records > 1 and compared_records.records > 1
                then least(
                        chosen.m_probability * (chosen.records - 1) / (compared_records.records - 1), 0.5
                    )
            else chosen.m_probability
        end as m_probability
    from chosen
    cross join compared_records

),

final as (

    select
        model_version,
        field,
        level,
        m_probability,
        u_probability,
        case
            when field = 'prior' then ln(m_probability / (1 - m_probability)) / ln(2)
            else ln(m_probability / u_probability) / ln(2)
        end as log2_bayes_factor
    from scaled

)

select * from final
