"""crm_segments: clean, consent-aware telecom customer segments on PostgreSQL."""

from __future__ import annotations

__version__ = "0.1.0"
