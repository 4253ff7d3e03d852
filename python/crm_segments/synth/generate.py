# ruff: noqa: RUF001  (Cyrillic text is intended, not a confusable)
"""Synthetic raw data in the input contract (SPEC.md section 1), with known ground truth.

``generate(customers, seed, out)`` writes ``out/<table>.csv`` for the twelve raw tables and
``out/truth/*.csv`` (who is who) for measuring deduplication:

- ``truth/contact_records.csv``: one row per ``crm_contacts`` row, in the same order, with the
  true ``person_id`` and ``household_id``. Copies of a real record (the same row twice, or the
  same key with other values) keep their person. Rows without a key and junk test rows are
  ``is_garbage=true`` with an empty person_id. ``defects`` lists the mess put into the row.
- ``truth/persons.csv``: the true person behind the records (names, birth date, national id,
  e-mail, E.164 mobile and landline, address, household role, twin).
- ``truth/accounts.csv``: which person owns each account.
- ``truth/campaign_effects.csv``: per campaign, the planted effect (``true_uplift``, the mean
  over its persons of the treated minus the untreated response probability) and the expected
  treated and control response rates given who was held out (see ``synth.campaigns``).

Persons are generated in chunks of ``CHUNK_PERSONS`` (households never span chunks). Each
chunk has its own random streams (``numpy.random.Generator(PCG64)`` and ``random.Random``
seeded from ``SeedSequence([seed, 1, chunk])``; the outcomes of campaign contacts from
``[seed, 3, chunk]``) and its own identifier ranges, so chunks can
run in worker processes and are written in order: the output is byte-identical for the same
``(customers, seed, as_of)`` whatever the number of workers, and memory does not grow with
``customers``. Nothing depends on the clock: all dates are relative to ``as_of``.

The rates of every kind of mess are constants in ``crm_segments.synth.config`` (re-exported
here). Conventions worth knowing when reading the data:
- usage and campaign revenue are in one reporting currency (RON-equivalent); transactions are
  in the customer's currency (RON, RUB, CNY, sometimes EUR);
- control-group rows of ``campaign_contacts`` record the would-be contact: outcome ``sent``
  unless the person responded or converted on their own.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import random
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

import numpy as np

from crm_segments.contract import CHANNELS, RAW_TABLES
from crm_segments.synth.activity import (
    OBJECTIVES,
    ActivityGenerator,
    Campaigns,
    Timeline,
)
from crm_segments.synth.campaigns import EFFECT_COLUMNS, planted_contacts, truth_rows
from crm_segments.synth.campaigns import TRUTH_COLUMNS as CAMPAIGN_TRUTH_COLUMNS
from crm_segments.synth.config import CAMPAIGN_CONTACTS_PER_PERSON
from crm_segments.synth.garbage import BAD_DATES, BAD_NUMBERS, encode_columns, encode_rows
from crm_segments.synth.people import (
    PERSON_TRUTH_COLUMNS,
    RECORD_TRUTH_COLUMNS,
    PeopleGenerator,
    World,
    build_contacts,
    make_shop_phones,
)

CHUNK_PERSONS = 10_000
"""Persons per chunk: the unit of randomness, of parallel work and of memory."""

TRUTH_TABLES: dict[str, tuple[str, ...]] = {
    "contact_records": RECORD_TRUTH_COLUMNS,
    "persons": PERSON_TRUTH_COLUMNS,
    "accounts": ("account_id", "person_id", "household_id"),
    "campaign_effects": CAMPAIGN_TRUTH_COLUMNS,
}

MAX_CAMPAIGNS = 500
NO_CONTROL_GROUP_RATE = 0.12  # campaigns without a control group (measured on the global one)


def _file_names() -> list[str]:
    return [f"{t}.csv" for t in RAW_TABLES] + [f"truth/{t}.csv" for t in TRUTH_TABLES]


@dataclass(slots=True)
class Plan:
    """Everything the chunks share; small enough to send to every worker."""

    customers: int
    seed: int
    world: World
    timeline: Timeline
    campaigns: Campaigns
    campaign_rows: list[list[str]]
    chunk_persons: int


def _seed_streams(seed: int, *key: int) -> tuple[np.random.Generator, random.Random]:
    ss = np.random.SeedSequence([seed, *key])
    rng = np.random.Generator(np.random.PCG64(ss))
    state = ss.generate_state(4, np.uint64)
    rnd = random.Random(int.from_bytes(state.tobytes(), "little"))
    return rng, rnd


_CAMPAIGN_LABELS: dict[str, tuple[str, ...]] = {
    "en": (
        "Acquisition",
        "Welcome",
        "Information",
        "Upsell",
        "Cross-sell",
        "Retention",
        "Win-back",
    ),
    "ro": (
        "Achiziție",
        "Bun venit",
        "Informare",
        "Upsell",
        "Cross-sell",
        "Retenție",
        "Recâștigare",
    ),
    "ru": (
        "Привлечение",
        "Приветствие",
        "Информирование",
        "Допродажа",
        "Кросс-продажа",
        "Удержание",
        "Возврат",
    ),
    "zh": ("拉新", "欢迎", "通知", "升级", "交叉销售", "挽留", "召回"),
}
_OFFERS: dict[str, tuple[str, ...]] = {
    "acquisition": ("ACQ-SIMONLY", "ACQ-FAMILY", "ACQ-PORTIN"),
    "welcome": ("WEL-BONUS1GB", "WEL-APP"),
    "information": ("", "", "INFO-TARIFF"),
    "upsell": ("UPS-DATA20", "UPS-PLAN-L", "UPS-5G", "UPS-ROAM5"),
    "cross_sell": ("XS-TV", "XS-HOME-NET", "XS-INSURANCE", "XS-DEVICE"),
    "retention": ("RET-LOYAL15", "RET-DEVICE-UPG", "RET-DISC10"),
    "winback": ("WB-COMEBACK", "WB-50OFF"),
}
_UNIT_COST: dict[str, float] = {
    "direct_mail": 1.2,
    "bill_insert": 0.15,
    "email": 0.005,
    "sms": 0.04,
    "outbound_call": 2.5,
    "ivr": 0.3,
    "tv_stb": 0.02,
    "web": 0.01,
}
_CAMPAIGN_CHANNEL_WEIGHTS = (0.08, 0.07, 0.25, 0.30, 0.10, 0.05, 0.07, 0.08)
_OBJECTIVE_WEIGHTS = (0.08, 0.10, 0.10, 0.20, 0.20, 0.22, 0.10)


def build_campaigns(customers: int, seed: int, t: Timeline) -> tuple[Campaigns, list[list[str]]]:
    """The campaign catalogue (``min(500, 20 + customers // 500)`` campaigns) and its rows,
    with a few garbage rows (duplicate, conflicting and empty keys, unparseable values)."""
    rng, rnd = _seed_streams(seed, 0)
    n = min(MAX_CAMPAIGNS, 20 + customers // 500)
    objective = rng.choice(len(OBJECTIVES), size=n, p=_OBJECTIVE_WEIGHTS)
    channel = rng.choice(len(CHANNELS), size=n, p=_CAMPAIGN_CHANNEL_WEIGHTS)
    start_day = rng.integers(t.window_start_day, t.as_of_day - 6, n)
    end_day = start_day + rng.integers(7, 61, n)
    size = rng.lognormal(0.0, 0.8, n)
    probability = size / size.sum()
    campaigns = Campaigns(
        ids=[f"CMP{i + 1:04d}" for i in range(n)],
        start_day=start_day,
        end_day=end_day,
        channel=channel,
        objective=objective,
        probability=probability,
        control_pct=rng.uniform(0.05, 0.15, n),
        response_mult=rng.lognormal(0.0, 0.35, n),
        bool_style=rng.choice(3, size=n, p=(0.8, 0.12, 0.08)),
        holdout_pct=np.zeros(n),
    )
    # issue 13: drawn after the draws above, so that those (which decide who is contacted when)
    # stay as they were; about 12% of the campaigns keep no control group
    has_control = rng.random(n) >= NO_CONTROL_GROUP_RATE
    campaigns.holdout_pct = np.where(has_control, rng.uniform(0.10, 0.25, n), 0.0)
    creative_cost = rng.uniform(0.05, 0.5, n)  # per contact, on top of the channel's unit cost
    tab = t.tables
    rows: list[list[str]] = []
    for i in range(n):
        obj = OBJECTIVES[int(objective[i])]
        ch = CHANNELS[int(channel[i])]
        lang = rnd.choices(("en", "ro", "ru", "zh"), weights=(0.4, 0.25, 0.2, 0.15))[0]
        label = _CAMPAIGN_LABELS[lang][int(objective[i])]
        month = tab.iso[int(start_day[i]) - tab.first_day][:7]
        name = (
            f"{label} {ch.replace('_', ' ')} {month}"
            if rnd.random() < 0.8
            else f"{label}, {ch} - {month}"
        )
        expected = CAMPAIGN_CONTACTS_PER_PERSON * customers * probability[i]
        per_contact = _UNIT_COST[ch] * rnd.uniform(0.8, 1.3) + creative_cost[i]
        cost = expected * per_contact + rnd.uniform(50, 300)
        fmt = tab.dotted if rnd.random() < 0.1 else tab.iso
        offer = rnd.choice(_OFFERS[obj])
        campaigns.offer.append(offer)
        rows.append(
            [
                campaigns.ids[i],
                name,
                obj,
                ch,
                offer,
                fmt[int(start_day[i]) - tab.first_day],
                fmt[int(end_day[i]) - tab.first_day],
                f"{cost:.2f}",
            ]
        )
    # garbage: a copy, the same key with another cost, no key, and extra unusable campaigns
    dup = rnd.randrange(n)
    rows.insert(dup + 1, list(rows[dup]))
    conflict = list(rows[rnd.randrange(n)])
    conflict[7] = f"{float(conflict[7]) * 1.5:.2f}"
    rows.insert(rnd.randrange(len(rows)), conflict)
    empty = list(rows[rnd.randrange(n)])
    empty[0] = ""
    rows.insert(rnd.randrange(len(rows)), empty)
    extra = [
        [
            f"CMP{n + 1:04d}",
            "Brand awareness test",
            "brand_awareness",
            "sms",
            "",
            tab.iso[t.window_start_day + 40 - tab.first_day],
            tab.iso[t.window_start_day + 60 - tab.first_day],
            "1500.00",
        ],
        [
            f"CMP{n + 2:04d}",
            "Retention pilot",
            "retention",
            "fax",
            "RET-DISC10",
            rnd.choice(BAD_DATES),
            tab.iso[t.as_of_day - 100 - tab.first_day],
            rnd.choice(BAD_NUMBERS),
        ],
    ]
    rows.extend(extra)
    return campaigns, rows


def make_plan(customers: int, seed: int, as_of: date) -> Plan:
    """The shared part of a run: reference dates, shop phones and campaigns."""
    timeline = Timeline.build(as_of)
    _, rnd = _seed_streams(seed, 2)
    world = World(
        customers=customers,
        as_of=as_of,
        shop_phones=make_shop_phones(customers, rnd),
        email_digits=max(2, len(str(max(customers - 1, 1)))),
        chunks=-(-customers // CHUNK_PERSONS),
    )
    campaigns, rows = build_campaigns(customers, seed, timeline)
    return Plan(customers, seed, world, timeline, campaigns, rows, CHUNK_PERSONS)


@dataclass(slots=True)
class ChunkOutput:
    """What one chunk produces: CSV bytes (no header) and row count per output file, and the
    per-campaign sums of the planted effects (``synth.campaigns.EFFECT_COLUMNS``)."""

    files: dict[str, tuple[bytes, int]]
    campaign_effects: np.ndarray


def generate_chunk(plan: Plan, index: int) -> ChunkOutput:
    """The output of chunk ``index``."""
    start = index * plan.chunk_persons
    n = min(plan.chunk_persons, plan.customers - start)
    rng, rnd = _seed_streams(plan.seed, 1, index)
    people = PeopleGenerator(plan.world, rnd, index, start, n)
    persons = people.generate_persons()
    contacts = build_contacts(people, persons)
    act = ActivityGenerator(
        plan.world, plan.timeline, plan.campaigns, rng, rnd, start, persons, contacts
    )
    # the order of these calls is the order of the draws on the chunk's streams
    subs, usage = act.subscriptions()
    consent, prefs = act.consent_and_preferences()
    transactions = act.transactions()
    contact_rows = act.campaign_contact_rows()
    # outcomes of the contacts (issue 13) on a stream of their own: no other table moves
    campaign_rng, campaign_rnd = _seed_streams(plan.seed, 3, index)
    campaign_contacts, effects = planted_contacts(
        contact_rows, act.person_traits(), plan.campaigns, campaign_rng, campaign_rnd
    )
    files: dict[str, tuple[bytes, int]] = {
        "crm_contacts.csv": encode_rows(contacts.rows),
        "subscriptions.csv": encode_columns(subs),
        "usage_monthly.csv": encode_columns(usage),
        "transactions.csv": encode_columns(transactions),
        "consent_events.csv": encode_columns(consent),
        "contact_preferences.csv": encode_columns(prefs),
        "campaign_contacts.csv": encode_columns(campaign_contacts),
        "interactions.csv": encode_columns(act.interactions()),
        "nps_responses.csv": encode_columns(act.nps()),
        "loyalty_events.csv": encode_columns(act.loyalty()),
        "suppressions.csv": encode_columns(act.suppressions()),
        "truth/contact_records.csv": encode_rows(contacts.truth),
        "truth/persons.csv": encode_rows([p.truth_row() for p in persons]),
        "truth/accounts.csv": encode_rows(
            [[a, p.person_id, p.household.household_id] for p in persons for a in p.accounts]
        ),
    }
    return ChunkOutput(files, effects)


_WORKER_PLAN: Plan | None = None


def _init_worker(plan: Plan) -> None:
    global _WORKER_PLAN
    _WORKER_PLAN = plan


def _run_chunk(index: int) -> ChunkOutput:
    assert _WORKER_PLAN is not None
    return generate_chunk(_WORKER_PLAN, index)


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _chunk_results(plan: Plan, n_chunks: int, workers: int) -> Iterator[ChunkOutput]:
    if workers <= 1 or n_chunks == 1:
        for index in range(n_chunks):
            yield generate_chunk(plan, index)
        return
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ctx.Pool(workers, initializer=_init_worker, initargs=(plan,)) as pool:
        yield from pool.imap(_run_chunk, range(n_chunks))


def _header(columns: tuple[str, ...]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(columns)
    return buf.getvalue().encode("utf-8")


def generate(
    customers: int,
    seed: int,
    out: Path,
    *,
    as_of: date = date(2026, 10, 31),
    progress: bool = True,
    workers: int | None = None,
) -> dict[str, int]:
    """Write out/<table>.csv for all 12 raw tables and out/truth/*.csv; return rows per file.

    ``customers`` is the number of true persons; ``seed`` fixes every random choice, so the same
    ``(customers, seed, as_of)`` gives byte-identical files. ``workers`` processes generate
    chunks in parallel (default: the CPUs available); it does not change the output. The
    returned counts are data rows (without the header), keyed by the path relative to ``out``.
    """
    if customers < 1:
        raise ValueError(f"customers must be at least 1, got {customers}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    out = Path(out)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    plan = make_plan(customers, seed, as_of)
    n_chunks = -(-customers // plan.chunk_persons)
    n_workers = min(workers if workers is not None else _cpu_count(), n_chunks)
    columns = {f"{t}.csv": cols for t, cols in RAW_TABLES.items()}
    columns.update({f"truth/{t}.csv": cols for t, cols in TRUTH_TABLES.items()})
    counts = dict.fromkeys(_file_names(), 0)
    with ExitStack() as stack:
        files: dict[str, BinaryIO] = {}
        for name in counts:
            fh = stack.enter_context((out / name).open("wb"))
            fh.write(_header(columns[name]))
            files[name] = fh
        data, rows = encode_rows(plan.campaign_rows)
        files["campaigns.csv"].write(data)
        counts["campaigns.csv"] = rows
        bar = None
        if progress:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            bar = stack.enter_context(
                Progress(
                    TextColumn("[bold]generate[/] {task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                    TimeRemainingColumn(),
                )
            )
            task = bar.add_task("persons", total=customers)
        done = 0
        effects = np.zeros((len(plan.campaigns.ids), len(EFFECT_COLUMNS)))
        for result in _chunk_results(plan, n_chunks, n_workers):
            for name, (data, rows) in result.files.items():
                files[name].write(data)
                counts[name] += rows
            effects += result.campaign_effects
            if bar is not None:
                done = min(customers, done + plan.chunk_persons)
                bar.update(task, completed=done)
        data, rows = encode_rows(truth_rows(plan.campaigns, effects))
        files["truth/campaign_effects.csv"].write(data)
        counts["truth/campaign_effects.csv"] = rows
    return counts
