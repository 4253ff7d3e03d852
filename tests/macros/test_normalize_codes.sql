-- Codes are lower-case with underscores; channel aliases map to the SPEC's channel names.
with

cases (raw, expected_code, expected_channel) as (

    values
    (' Prepaid ', 'prepaid', 'prepaid'),
    ('POSTPAID', 'postpaid', 'postpaid'),
    ('Bill Payment', 'bill_payment', 'bill_payment'),
    ('call-center', 'call_center', 'call_center'),
    ('E-mail', 'e_mail', 'email'),
    ('SMS', 'sms', 'sms'),
    ('Outbound Call', 'outbound_call', 'outbound_call'),
    ('TV', 'tv', 'tv_stb'),
    ('set-top box', 'set_top_box', 'tv_stb'),
    ('', null, null),
    ('  ', null, null),
    (null, null, null)

)

select * from cases
where
    {{ crm_segments.normalize_code('raw') }} is distinct from expected_code
    or {{ crm_segments.normalize_channel('raw') }} is distinct from expected_channel
