-- The contact records of the second part (macro contacts_standardized; none when the var
-- identity_parts is 1). The var and is_incremental() are read here, in the model, so that a unit
-- test can set them.
-- Incremental: only new and changed records are standardized again (macro contacts_standardized).
{{ config(**crm_segments.contacts_standardized_config()) }}
{{ crm_segments.contacts_standardized(
    part=2, parts=var('identity_parts'), incremental=is_incremental()
) }}
