-- The contact records of the second part (macro contacts_standardized; none when the var
-- identity_parts is 1). The var is read here, in the model, so that a unit test can set it.
{{ crm_segments.contacts_standardized(part=2, parts=var('identity_parts')) }}
