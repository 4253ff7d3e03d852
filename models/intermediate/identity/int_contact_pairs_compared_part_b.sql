-- The pairs of the second part (macro contact_pairs_compared; none when the var
-- identity_parts is 1). The var is read here, in the model, so that a unit test can set it.
{{ crm_segments.contact_pairs_compared(part=2, parts=var('identity_parts')) }}
