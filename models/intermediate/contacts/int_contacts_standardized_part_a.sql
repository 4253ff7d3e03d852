-- The contact records of the first part (macro contacts_standardized; every record when the var
-- identity_parts is 1). The var is read here, in the model, so that a unit test can set it.
{{ crm_segments.contacts_standardized(part=1, parts=var('identity_parts')) }}
