"""Campaign outcomes with a known effect (issue 13): who is held out, who responds, converts.

``campaign_contact_rows`` (``synth.activity``) decides who is contacted by which campaign, when,
on which account and channel; this module decides the rest of each ``campaign_contacts`` row on
a random stream of its own (``SeedSequence([seed, 3, chunk])``), so that planting an effect
changes no other table.

The effect is planted per (person, campaign) pair, the unit a measurement counts:

- the pair is in the campaign's control group with probability ``Campaigns.holdout_pct`` (one
  draw per pair, so a person is never in both groups; about 12% of the campaigns have no
  control group at all and are measured against the global control group);
- without treatment (control) the person responds on their own with probability
  ``p0 = ORGANIC_RATE[objective] * affinity * taste``;
- treated: ``p1 = p0 + UPLIFT[objective][segment] * affinity * taste * CHANNEL_UPLIFT[channel] *
  strength`` (p0 at most 0.9, p1 at most 0.95), where
  - ``segment`` is the person's state at the contact: ``churned`` (the contacted account had
    ended), ``new`` (first activation of the account under 90 days before), ``declining``
    (usage falls over the window), ``high_value`` (ARPU of at least ``HIGH_VALUE_ARPU``),
    else ``standard`` (first that applies);
  - ``affinity`` is the offer's taste for the person's traits (``AFFINITY``: roaming packs for
    roamers, data add-ons for heavy data users, TV and home internet for postpaid, win-back
    for churned ...): the preference per segment cell that gives next-best-action propensity
    its signal;
  - ``taste`` = sqrt of the person's responsiveness (a random effect no model can see);
  - ``strength`` = the campaign's own multiplier (``Campaigns.response_mult``).
- A responder converts with probability ``CONVERT_SHARE``, earning
  ``lognormal(0, 0.5) * REVENUE_SCALE[objective]``.

The response lands on the pair's last contact row (outcome ``responded`` or ``converted``);
the other rows of a treated pair follow the channel's funnel without a response (sent,
delivered, bounced, opened, complained, unsubscribed), control rows are ``sent`` (the would-be
contact). The ground truth per campaign (``truth/campaign_effects.csv``) is the mean of p1 and
p0 over the pairs: ``true_uplift`` = mean(p1 - p0) over every person of the campaign, and the
expectation of the measured rates given who landed in which group.
"""

from __future__ import annotations

import random

import numpy as np

from crm_segments.contract import CHANNELS
from crm_segments.synth import config as cfg
from crm_segments.synth.activity import (
    _TREATED_OUTCOMES,
    BOOL_SPELLINGS,
    CAMPAIGN_CONTACTS_SPEC,
    OBJECTIVES,
    OUTCOMES,
    Campaigns,
    Columns,
    ContactRows,
    PersonTraits,
    _pick,
)
from crm_segments.synth.garbage import inject_garbage

SEGMENTS: tuple[str, ...] = ("standard", "high_value", "declining", "new", "churned")
HIGH_VALUE_ARPU = 70.0  # usage revenue per subscription-month
HEAVY_DATA_MB = 4000.0  # data per subscription-month
ROAMER_MONTHS = 2  # subscription-months with roaming in the window
NEW_DAYS = 90

#: control ("organic") response probability per objective (OBJECTIVES order)
ORGANIC_RATE: tuple[float, ...] = (0.03, 0.05, 0.02, 0.035, 0.03, 0.05, 0.02)
#: planted uplift (treated - control) per objective and segment (SEGMENTS order), before the
#: person's affinity and taste, the channel and the campaign's strength
UPLIFT: dict[str, tuple[float, ...]] = {
    "acquisition": (0.045, 0.045, 0.03, 0.075, 0.015),
    "welcome": (0.045, 0.06, 0.03, 0.15, 0.0),
    "information": (0.015, 0.015, 0.015, 0.03, 0.0),
    "upsell": (0.06, 0.12, 0.015, 0.045, 0.0),
    "cross_sell": (0.045, 0.09, 0.015, 0.03, 0.0),
    "retention": (0.03, 0.06, 0.15, 0.015, 0.03),
    "winback": (0.015, 0.015, 0.03, 0.015, 0.12),
}
CHANNEL_UPLIFT: dict[str, float] = {
    "direct_mail": 0.9,
    "bill_insert": 0.6,
    "email": 0.8,
    "sms": 1.0,
    "outbound_call": 1.5,
    "ivr": 0.8,
    "tv_stb": 0.7,
    "web": 0.8,
}
TRAITS: tuple[str, ...] = (
    "high_value",
    "heavy_data",
    "roamer",
    "postpaid",
    "declining",
    "new",
    "churned",
)
#: offer -> (trait, multiplier when the person has it, multiplier otherwise); multiplied
AFFINITY: dict[str, tuple[tuple[str, float, float], ...]] = {
    "ACQ-SIMONLY": (("postpaid", 0.7, 1.4),),
    "ACQ-FAMILY": (("postpaid", 1.5, 0.7),),
    "ACQ-PORTIN": (("new", 1.8, 0.8),),
    "WEL-BONUS1GB": (("new", 2.0, 0.8), ("heavy_data", 1.5, 0.8)),
    "WEL-APP": (("new", 2.5, 0.7),),
    "INFO-TARIFF": (("declining", 1.5, 1.0),),
    "UPS-DATA20": (("heavy_data", 2.5, 0.5),),
    "UPS-PLAN-L": (("high_value", 2.0, 0.7), ("postpaid", 1.2, 0.6)),
    "UPS-5G": (("heavy_data", 1.8, 0.6), ("high_value", 1.5, 0.8)),
    "UPS-ROAM5": (("roamer", 4.0, 0.5),),
    "XS-TV": (("postpaid", 1.8, 0.4),),
    "XS-HOME-NET": (("postpaid", 1.6, 0.5), ("heavy_data", 1.3, 0.9)),
    "XS-INSURANCE": (("high_value", 1.8, 0.8),),
    "XS-DEVICE": (("high_value", 1.5, 0.8), ("heavy_data", 1.3, 0.9)),
    "RET-LOYAL15": (("declining", 2.0, 0.8), ("high_value", 1.3, 1.0)),
    "RET-DEVICE-UPG": (("high_value", 1.8, 0.7), ("heavy_data", 1.3, 0.9)),
    "RET-DISC10": (("declining", 2.5, 0.7), ("postpaid", 0.8, 1.3)),
    "WB-COMEBACK": (("churned", 2.5, 0.6),),
    "WB-50OFF": (("churned", 3.0, 0.5), ("high_value", 0.7, 1.1)),
}
CONVERT_SHARE = 0.45  # of responders
REVENUE_SCALE: tuple[float, ...] = (80.0, 20.0, 10.0, 35.0, 45.0, 25.0, 40.0)  # OBJECTIVES order
#: per campaign sums over its (person, campaign) pairs, summed over chunks (``EffectSums``)
EFFECT_COLUMNS: tuple[str, ...] = (
    "persons",
    "treated_persons",
    "control_persons",
    "sum_p1",
    "sum_p0",
    "sum_p1_treated",
    "sum_p0_control",
)
#: truth/campaign_effects.csv
TRUTH_COLUMNS: tuple[str, ...] = (
    "campaign_id",
    "objective",
    "channel",
    "offer_code",
    "has_control_group",
    "holdout_pct",
    "persons",
    "treated_persons",
    "control_persons",
    "true_treated_rate",
    "true_control_rate",
    "true_uplift",
    "expected_treated_rate",
    "expected_control_rate",
    "expected_uplift",
)


def _affinity(offers: list[str], campaign: np.ndarray, traits: dict[str, np.ndarray]) -> np.ndarray:
    """The offer's taste for each pair's person (1.0 for offers without a rule)."""
    out = np.ones(len(campaign))
    for code, rules in AFFINITY.items():
        pick = np.array([o == code for o in offers], dtype=bool)[campaign]
        if not pick.any():
            continue
        mult = np.ones(int(pick.sum()))
        for trait, yes, no in rules:
            mult *= np.where(traits[trait][pick], yes, no)
        out[pick] = mult
    return out


def planted_contacts(
    rows: ContactRows,
    traits: PersonTraits,
    campaigns: Campaigns,
    rng: np.random.Generator,
    rnd: random.Random,
) -> tuple[Columns, np.ndarray]:
    """``campaign_contacts`` columns for the rows, and per campaign the sums of EFFECT_COLUMNS."""
    n_campaigns = len(campaigns.ids)
    m = len(rows.person)
    sums = np.zeros((n_campaigns, len(EFFECT_COLUMNS)))
    pair_key = rows.person.astype(np.int64) * n_campaigns + rows.campaign
    _, first, pair_of_row = np.unique(pair_key, return_index=True, return_inverse=True)
    # the last row of each pair (rows are ordered by campaign, then day)
    _, last_rev = np.unique(pair_key[::-1], return_index=True)
    last = m - 1 - last_rev
    n_pairs = len(first)
    person, c, day = rows.person[last], rows.campaign[last], rows.day[last]
    account = rows.account[last]
    # the person's traits and state at the pair's last contact
    has = {
        "high_value": traits.arpu[person] >= HIGH_VALUE_ARPU,
        "heavy_data": traits.data_mb[person] >= HEAVY_DATA_MB,
        "roamer": traits.roaming_months[person] >= ROAMER_MONTHS,
        "postpaid": traits.postpaid[person],
        "declining": traits.declining[person],
        "churned": day > traits.account_last_day[account],
        "new": day - traits.account_first_day[account] < NEW_DAYS,
    }
    segment = np.select(
        [has["churned"], has["new"], has["declining"], has["high_value"]],
        [SEGMENTS.index(s) for s in ("churned", "new", "declining", "high_value")],
        default=SEGMENTS.index("standard"),
    )
    objective = campaigns.objective[c]
    affinity = _affinity(campaigns.offer, c, has)
    taste = np.sqrt(traits.responsiveness[person])
    uplift_table = np.array([UPLIFT[o] for o in OBJECTIVES])
    channel_factor = np.array([CHANNEL_UPLIFT[ch] for ch in CHANNELS])[campaigns.channel[c]]
    p0 = np.minimum(np.array(ORGANIC_RATE)[objective] * affinity * taste, 0.9)
    lift = uplift_table[objective, segment] * affinity * taste * channel_factor
    p1 = np.minimum(p0 + lift * campaigns.response_mult[c], 0.95)
    # one draw per pair for the group, the response and the conversion
    control = rng.random(n_pairs) < campaigns.holdout_pct[c]
    responded = rng.random(n_pairs) < np.where(control, p0, p1)
    converted = responded & (rng.random(n_pairs) < CONVERT_SHARE)
    # rows: treated rows follow the channel's funnel without a response, control rows are sent
    probs = np.array([_TREATED_OUTCOMES[ch] for ch in CHANNELS])
    resp_i, conv_i = OUTCOMES.index("responded"), OUTCOMES.index("converted")
    probs[:, [resp_i, conv_i]] = 0.0
    silent_cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(m)
    silent = np.minimum((u[:, None] > silent_cum[rows.channel]).sum(axis=1), len(OUTCOMES) - 1)
    row_control = control[pair_of_row]
    outcome = np.where(row_control, OUTCOMES.index("sent"), silent)
    outcome[last] = np.where(converted, conv_i, np.where(responded, resp_i, outcome[last]))
    revenue = (
        rng.lognormal(0.0, 0.5, m) * np.array(REVENUE_SCALE)[campaigns.objective[rows.campaign]]
    )
    zero_style = rng.random(m) < 0.3
    is_conv = outcome == conv_i
    revenue_text = [
        f"{r:.2f}" if cv else ("0" if z else "")
        for r, cv, z in zip(revenue.tolist(), is_conv.tolist(), zero_style.tolist(), strict=True)
    ]
    style = campaigns.bool_style[rows.campaign]
    odd = rng.random(m) < 0.02
    style = np.where(odd, rng.integers(0, 3, m), style)
    control_text = [
        BOOL_SPELLINGS[s][0 if b else 1]
        for s, b in zip(style.tolist(), row_control.tolist(), strict=True)
    ]
    cols: Columns = [
        *(list(col) for col in rows.text_columns()),
        control_text,
        _pick(OUTCOMES, outcome),
        revenue_text,
    ]
    cols = inject_garbage(cols, CAMPAIGN_CONTACTS_SPEC, rnd, cfg.GARBAGE_RATE)
    # ground truth per campaign
    treated = ~control
    for k, values in enumerate(
        (
            np.ones(n_pairs),
            treated.astype(float),
            control.astype(float),
            p1,
            p0,
            np.where(treated, p1, 0.0),
            np.where(control, p0, 0.0),
        )
    ):
        sums[:, k] = np.bincount(c, weights=values, minlength=n_campaigns)
    return cols, sums


def truth_rows(campaigns: Campaigns, sums: np.ndarray) -> list[list[str]]:
    """Rows of truth/campaign_effects.csv (TRUTH_COLUMNS) from the summed EFFECT_COLUMNS."""
    out: list[list[str]] = []
    col = {name: k for k, name in enumerate(EFFECT_COLUMNS)}
    for i, campaign_id in enumerate(campaigns.ids):
        s = sums[i]
        persons, treated, control = (
            s[col["persons"]],
            s[col["treated_persons"]],
            s[col["control_persons"]],
        )

        def ratio(a: float, b: float) -> str:
            return f"{a / b:.6f}" if b > 0 else ""

        expected_t = ratio(s[col["sum_p1_treated"]], treated)
        expected_c = ratio(s[col["sum_p0_control"]], control)
        expected_u = (
            f"{float(expected_t) - float(expected_c):.6f}" if expected_t and expected_c else ""
        )
        out.append(
            [
                campaign_id,
                OBJECTIVES[int(campaigns.objective[i])],
                CHANNELS[int(campaigns.channel[i])],
                campaigns.offer[i],
                "true" if campaigns.holdout_pct[i] > 0 else "false",
                f"{campaigns.holdout_pct[i]:.4f}",
                str(int(persons)),
                str(int(treated)),
                str(int(control)),
                ratio(s[col["sum_p1"]], persons),
                ratio(s[col["sum_p0"]], persons),
                ratio(s[col["sum_p1"]] - s[col["sum_p0"]], persons),
                expected_t,
                expected_c,
                expected_u,
            ]
        )
    return out
