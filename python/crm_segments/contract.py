"""The raw input contract (SPEC.md section 1): table names and their columns, in order."""

from __future__ import annotations

RAW_TABLES: dict[str, tuple[str, ...]] = {
    "crm_contacts": (
        "source_system", "source_record_id", "account_id", "full_name", "first_name",
        "last_name", "birth_date", "national_id", "email", "phone", "address_line", "city",
        "postal_code", "country", "updated_at",
    ),
    "subscriptions": (
        "subscription_id", "account_id", "msisdn", "plan_code", "plan_type", "activated_at",
        "deactivated_at", "contract_end_date", "monthly_commitment",
    ),
    "usage_monthly": (
        "subscription_id", "billing_month", "revenue", "cost", "voice_minutes", "sms_count",
        "data_mb", "roaming_revenue",
    ),
    "transactions": (
        "transaction_id", "account_id", "transaction_at", "amount", "currency",
        "transaction_type",
    ),
    "consent_events": (
        "event_id", "source_system", "source_record_id", "channel", "purpose", "action",
        "event_at", "captured_via",
    ),
    "contact_preferences": (
        "source_system", "source_record_id", "preferred_channel", "stated_at",
    ),
    "campaigns": (
        "campaign_id", "campaign_name", "objective", "channel", "offer_code", "start_date",
        "end_date", "total_cost",
    ),
    "campaign_contacts": (
        "contact_id", "campaign_id", "account_id", "channel", "contacted_at", "is_control",
        "outcome", "revenue",
    ),
    "interactions": (
        "interaction_id", "account_id", "channel", "reason_code", "started_at", "resolved",
    ),
    "nps_responses": ("response_id", "account_id", "responded_at", "score"),
    "loyalty_events": ("event_id", "account_id", "event_at", "points", "event_type"),
    "suppressions": (
        "suppression_id", "scope_type", "scope_value", "reason", "effective_from",
        "effective_to",
    ),
}

CHANNELS: tuple[str, ...] = (
    "direct_mail", "bill_insert", "email", "sms", "outbound_call", "ivr", "tv_stb", "web",
)
