"""The raw input contract: table names and their columns, in order, and the code domains."""

from __future__ import annotations

RAW_TABLES: dict[str, tuple[str, ...]] = {
    "crm_contacts": (
        "source_system",
        "source_record_id",
        "account_id",
        "full_name",
        "first_name",
        "last_name",
        "birth_date",
        "national_id",
        "email",
        "phone",
        "address_line",
        "city",
        "postal_code",
        "country",
        "updated_at",
    ),
    "subscriptions": (
        "subscription_id",
        "account_id",
        "msisdn",
        "plan_code",
        "plan_type",
        "activated_at",
        "deactivated_at",
        "contract_end_date",
        "monthly_commitment",
    ),
    "usage_monthly": (
        "subscription_id",
        "billing_month",
        "revenue",
        "cost",
        "voice_minutes",
        "sms_count",
        "data_mb",
        "roaming_revenue",
    ),
    "transactions": (
        "transaction_id",
        "account_id",
        "transaction_at",
        "amount",
        "currency",
        "transaction_type",
    ),
    "consent_events": (
        "event_id",
        "source_system",
        "source_record_id",
        "channel",
        "purpose",
        "action",
        "event_at",
        "captured_via",
    ),
    "contact_preferences": (
        "source_system",
        "source_record_id",
        "preferred_channel",
        "stated_at",
    ),
    "campaigns": (
        "campaign_id",
        "campaign_name",
        "objective",
        "channel",
        "offer_code",
        "start_date",
        "end_date",
        "total_cost",
    ),
    "campaign_contacts": (
        "contact_id",
        "campaign_id",
        "account_id",
        "channel",
        "contacted_at",
        "is_control",
        "outcome",
        "revenue",
    ),
    "interactions": (
        "interaction_id",
        "account_id",
        "channel",
        "reason_code",
        "started_at",
        "resolved",
    ),
    "nps_responses": ("response_id", "account_id", "responded_at", "score"),
    "loyalty_events": ("event_id", "account_id", "event_at", "points", "event_type"),
    "suppressions": (
        "suppression_id",
        "scope_type",
        "scope_value",
        "reason",
        "effective_from",
        "effective_to",
    ),
}

CHANNELS: tuple[str, ...] = (
    "direct_mail",
    "bill_insert",
    "email",
    "sms",
    "outbound_call",
    "ivr",
    "tv_stb",
    "web",
)

# -- code domains: the values staging accepts in a coded column (after trimming and
# lower-casing; channels also after the aliases of the macro normalize_channel). The generator
# draws from these tuples (their order is its draw order); the staging YAML's accepted_values
# tests list the same values (test_conventions fails when they differ).
SOURCE_SYSTEMS: tuple[str, ...] = ("crm", "billing", "web", "retail", "call_center")
PLAN_TYPES: tuple[str, ...] = ("prepaid", "postpaid")
TRANSACTION_TYPES: tuple[str, ...] = ("topup", "bill_payment", "addon", "device")
CONSENT_PURPOSES: tuple[str, ...] = ("marketing", "profiling")
CONSENT_ACTIONS: tuple[str, ...] = ("grant", "withdraw")
OBJECTIVES: tuple[str, ...] = (
    "acquisition",
    "welcome",
    "information",
    "upsell",
    "cross_sell",
    "retention",
    "winback",
)
OUTCOMES: tuple[str, ...] = (
    "sent",
    "delivered",
    "bounced",
    "opened",
    "responded",
    "converted",
    "complained",
    "unsubscribed",
)
INTERACTION_CHANNELS: tuple[str, ...] = ("call_center", "store", "web", "chat", "ivr")
LOYALTY_EVENT_TYPES: tuple[str, ...] = ("earn", "redeem", "expire")
SUPPRESSION_SCOPE_TYPES: tuple[str, ...] = ("account", "email", "phone")
SUPPRESSION_REASONS: tuple[str, ...] = (
    "do_not_contact",
    "complaint",
    "erasure_request",
    "deceased",
    "fraud",
)

#: (raw table, column) -> its code domain
CODE_DOMAINS: dict[tuple[str, str], tuple[str, ...]] = {
    ("crm_contacts", "source_system"): SOURCE_SYSTEMS,
    ("subscriptions", "plan_type"): PLAN_TYPES,
    ("transactions", "transaction_type"): TRANSACTION_TYPES,
    ("consent_events", "channel"): CHANNELS,
    ("consent_events", "purpose"): CONSENT_PURPOSES,
    ("consent_events", "action"): CONSENT_ACTIONS,
    ("contact_preferences", "preferred_channel"): CHANNELS,
    ("campaigns", "objective"): OBJECTIVES,
    ("campaigns", "channel"): CHANNELS,
    ("campaign_contacts", "channel"): CHANNELS,
    ("campaign_contacts", "outcome"): OUTCOMES,
    ("interactions", "channel"): INTERACTION_CHANNELS,
    ("loyalty_events", "event_type"): LOYALTY_EVENT_TYPES,
    ("suppressions", "scope_type"): SUPPRESSION_SCOPE_TYPES,
    ("suppressions", "reason"): SUPPRESSION_REASONS,
}
