"""Rates and volumes of the synthetic data generator (every "a few percent" in one place).

Rates are probabilities per person, per household, per contact record or per row, as named.
``crm_segments.synth.generate`` re-exports them.
"""

from __future__ import annotations

# --- population ------------------------------------------------------------------------------
COUNTRY_SHARES: dict[str, float] = {"RO": 0.50, "RU": 0.30, "CN": 0.20}
KAZAKH_RATE = 0.015  # of Russian-speaking households: live in Kazakhstan (+7 7xx numbers)
ABROAD_RATE = 0.015  # of Romanian households: live in Italy, Spain or Germany
HOUSEHOLD_SIZE_WEIGHTS: tuple[float, ...] = (0.50, 0.27, 0.13, 0.07, 0.03)  # sizes 1..5
SPOUSE_RATE = 0.80  # second member of a household is a spouse (else a parent)
SPOUSE_KEEPS_NAME_RATE = 0.10  # Romanian/Russian spouse keeps their own last name
TWIN_RATE = 0.20  # households with two or more children: two of them are twins
HOUSEHOLD_LANDLINE_RATE = 0.40  # households with a landline (CN: half of it)
FAMILY_EMAIL_RATE = 0.20  # households of 2+ with a shared family e-mail
PERSON_EMAIL_RATE = 0.85  # persons with a personal e-mail address
ALT_EMAIL_RATE = 0.06  # persons with a second address (same local part, other domain)
RU_PASSPORT_RATE = 0.35  # Russian persons whose passport number is on file

# --- contact records -------------------------------------------------------------------------
PROSPECT_RATE = 0.03  # persons known only as a web lead (no account)
SECOND_ACCOUNT_RATE = 0.10  # customers with two billing accounts
DUPLICATE_PERSON_RATE = 0.30  # single-account customers with extra records in other systems
PRIMARY_SYSTEM_WEIGHTS: dict[str, float] = {
    "crm": 0.45,
    "billing": 0.35,
    "retail": 0.12,
    "call_center": 0.08,
}
EXTRA_SYSTEM_WEIGHTS: dict[str, float] = {
    "web": 0.30,
    "retail": 0.20,
    "call_center": 0.20,
    "crm": 0.15,
    "billing": 0.15,
}
MAX_RECORDS_PER_PERSON = 3

# --- mess in contact records (per record unless said otherwise) ------------------------------
TYPO_RATE = 0.03  # one edit in the first or last name
CEDILLA_RATE = 0.12  # Romanian ș ț written as ş ţ (billing: 3x)
SURNAME_FIRST_RATE = 0.20  # full_name written family name first (billing: 3x)
PATRONYMIC_RATE = 0.45  # Russian full_name with the patronymic (call_center, billing)
STRAY_SPACE_RATE = 0.05
TRANSLITERATED_RATE = 0.25  # Russian web records in Latin script
PINYIN_RATE = 0.40  # Chinese web records in pinyin
BIRTH_DATE_INVALID_RATE = 0.005  # future, 1890, 31.02.1985 ...
BIRTH_DATE_SWAPPED_RATE = 0.01  # day and month swapped (US style)
NATIONAL_ID_INVALID_RATE = 0.01  # CNP / resident id with a wrong check digit
EMAIL_UPPER_RATE = 0.05
EMAIL_SPACE_RATE = 0.03
EMAIL_INVALID_RATE = 0.015  # missing @, double @@, trailing dot
EMAIL_PLACEHOLDER_RATE = 0.025  # noemail@..., test@test.com, null, -, n/a (retail: 3x)
FAMILY_EMAIL_USE_RATE = 0.35  # record of a household member carries the family e-mail
LANDLINE_USE_RATE = 0.15  # record carries the household landline instead of the mobile
PHONE_PLACEHOLDER_RATE = 0.015  # 0000000000, 123456, null, -, n/a
PHONE_SHORT_RATE = 0.005  # digits cut off
SHOP_PHONE_RATE = 0.20  # walk-in retail records in a big city: the shop's own number
SHOP_CITIES_PER_COUNTRY = 3
CUSTOMERS_PER_SHOP = 100_000  # one more shop phone per big city for every 100k customers
COUNTRY_MISSING_RATE = 0.12
POSTAL_MISSING_RATE = 0.25
POSTAL_LEADING_ZERO_DROPPED_RATE = 0.10  # Bucharest 010101 -> 10101
JUNK_RECORD_RATE = 0.002  # test rows ("test test", test@test.com) that are nobody
EXACT_DUPLICATE_RATE = 0.002  # the same row twice
KEY_CONFLICT_RATE = 0.002  # the same key twice with different values
EMPTY_KEY_RATE = 0.001

# --- activity --------------------------------------------------------------------------------
WINDOW_MONTHS = 24
POSTPAID_SHARE: dict[str, float] = {"RO": 0.60, "RU": 0.45, "CN": 0.50, "KZ": 0.40, "ABROAD": 0.5}
SUBSCRIPTION_COUNT_WEIGHTS: tuple[float, ...] = (0.82, 0.14, 0.04)  # per account: 1, 2, 3
RECENT_ACTIVATION_SHARE = 0.55  # activated within the window (else up to 12 years back)
CHURN_RATE = 0.15  # subscriptions with deactivated_at
CHURN_IN_WINDOW_SHARE = 0.65  # of churned: deactivated within the window
PREPAID_ACTIVE_MONTH_RANGE = (0.10, 0.70)  # per subscription: share of months with usage
DECLINING_RATE = 0.15  # subscriptions whose usage falls over the window
GROWING_RATE = 0.10
NEGATIVE_MARGIN_RATE = 0.03  # subscriptions whose cost exceeds revenue
ROAMING_MONTH_RATE = 0.06
TRANSACTIONS_PER_PERSON = 10.0
CONSENT_EVENTS_WEIGHTS: tuple[float, ...] = (0.25, 0.20, 0.20, 0.15, 0.10, 0.06, 0.04)  # 0..6
CONSENT_WITHDRAW_RATE = 0.22  # grants later withdrawn
CONSENT_WITHDRAW_OTHER_RECORD_RATE = 0.30  # withdraw lands on another record of the person
CONSENT_TIE_RATE = 0.05  # of withdraws: same event_at as the grant
CONSENT_OLD_GRANT_RATE = 0.30  # grants older than 24 months (expired unless renewed)
PREFERENCE_RATE = 0.30  # records with a contact_preferences row
CAMPAIGN_CONTACTS_PER_PERSON = 4.0
CONTROL_RATE = 0.10
INTERACTIONS_PER_PERSON = 0.5
NPS_PER_PERSON = 0.15
LOYALTY_EVENTS_PER_PERSON = 2.0
SUPPRESSION_RATE = 0.02  # persons with a suppression

# --- garbage rows in every table (quarantine material) ---------------------------------------
GARBAGE_RATE = 0.005  # per table: empty keys, duplicated keys, unparseable values ...
ORPHAN_RATE = 0.003  # consent events / campaign contacts / usage pointing at unknown keys
