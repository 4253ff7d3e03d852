"""The cluster model: settings from the project vars, the features, and the k-means fit with
its derived labels and the inheritance of ids and labels from the previous model (see the
package docstring)."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import psycopg
import yaml
from psycopg import sql

from crm_segments.errors import ClusterError
from crm_segments.project import project_dir

#: transforms a feature may have (the SQL side implements the same, macros/clusters)
TRANSFORMS = ("log1p", "none")

#: phrases for a centroid far above / below the population, per feature
PHRASES: dict[str, tuple[str, str]] = {
    "recency_days": ("lapsed", "recently active"),
    "frequency": ("frequent payments", "rare payments"),
    "monetary": ("high spend", "low spend"),
    "arpu": ("high ARPU", "low ARPU"),
    "voice_mou": ("heavy voice", "light voice"),
    "data_mb": ("heavy data", "light data"),
    "sms_count": ("heavy SMS", "few SMS"),
    "roaming_share": ("roamers", "no roaming"),
    "tenure_months": ("long tenure", "new customers"),
}

#: features that, all far on the same side, read as one phrase
USAGE_GROUP = ("voice_mou", "data_mb", "sms_count")
USAGE_PHRASES = ("heavy usage", "low usage")

#: label of a cluster whose centroid is close to the population on every feature
AVERAGE_LABEL = "average profile"

FEATURE_MODEL = "int_customer_cluster_features"

#: dbt selector of what scoring depends on the stored model: the model tables and all below them
SCORING_SELECTOR = "source:clusters+"


# ---------------------------------------------------------------------------------------------
# settings: the project's vars
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClusterSettings:
    """The vars of dbt_project.yml that the fit uses (see the README's vars table)."""

    features: dict[str, str]
    k_min: int = 3
    k_max: int = 8
    sample_size: int = 10_000
    random_state: int = 42
    n_init: int = 10
    label_min_z: float = 0.5
    label_max_terms: int = 2
    match_max_distance: float = 1.5
    cluster_schema: str = "clusters"
    intermediate_schema: str = "intermediate"


def project_vars(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The vars of dbt_project.yml, updated with ``overrides`` (like ``dbt --vars``)."""
    data = yaml.safe_load((project_dir() / "dbt_project.yml").read_text(encoding="utf-8"))
    merged = dict(data.get("vars") or {})
    merged.update(overrides or {})
    return merged


def load_settings(vars_yaml: str | None = None) -> ClusterSettings:
    """Settings from the project's vars, with a ``--vars`` YAML string applied on top."""
    overrides = yaml.safe_load(vars_yaml) if vars_yaml else {}
    if overrides is not None and not isinstance(overrides, dict):
        raise ClusterError(f"--vars must be a YAML mapping, got {vars_yaml!r}")
    v = project_vars(overrides)
    features = v.get("cluster_features") or {}
    if not isinstance(features, dict) or not features:
        raise ClusterError("the var cluster_features must map feature names to transforms")
    bad = {name: t for name, t in features.items() if t not in TRANSFORMS}
    if bad:
        raise ClusterError(f"unknown transforms in cluster_features: {bad} (use {TRANSFORMS})")
    settings = ClusterSettings(
        features={str(k): str(t) for k, t in features.items()},
        k_min=int(v.get("cluster_k_min", 3)),
        k_max=int(v.get("cluster_k_max", 8)),
        sample_size=int(v.get("cluster_sample_size", 10_000)),
        random_state=int(v.get("cluster_random_state", 42)),
        n_init=int(v.get("cluster_n_init", 10)),
        label_min_z=float(v.get("cluster_label_min_z", 0.5)),
        label_max_terms=int(v.get("cluster_label_max_terms", 2)),
        match_max_distance=float(v.get("cluster_match_max_distance", 1.5)),
        cluster_schema=str(v.get("cluster_schema", "clusters")),
        intermediate_schema=str(v.get("intermediate_schema", "intermediate")),
    )
    if not 2 <= settings.k_min <= settings.k_max:
        raise ClusterError(
            f"need 2 <= cluster_k_min <= cluster_k_max, got {settings.k_min}..{settings.k_max}"
        )
    return settings


# ---------------------------------------------------------------------------------------------
# the features
# ---------------------------------------------------------------------------------------------
def read_features(conn: psycopg.Connection[Any], settings: ClusterSettings) -> pd.DataFrame:
    """The feature model, ordered by customer_id (the order makes the sample deterministic)."""
    columns = ["customer_id", *settings.features]
    query = sql.SQL("copy (select {cols} from {table} order by customer_id) to stdout (format csv)")
    query = query.format(
        cols=sql.SQL(", ").join(sql.Identifier(c) for c in columns),
        table=sql.Identifier(settings.intermediate_schema, FEATURE_MODEL),
    )
    buffer = io.BytesIO()
    try:
        with conn.cursor() as cur, cur.copy(query) as copy:
            for block in copy:
                buffer.write(block)
    except psycopg.errors.UndefinedTable as exc:
        raise ClusterError(
            f"{settings.intermediate_schema}.{FEATURE_MODEL} does not exist: run "
            f"`crm-segments build` (or dbt build -s +{FEATURE_MODEL}) first"
        ) from exc
    except psycopg.errors.UndefinedColumn as exc:
        raise ClusterError(
            f"a feature of the var cluster_features is not in {FEATURE_MODEL}: {exc}"
        ) from exc
    buffer.seek(0)
    dtypes: dict[str, Any] = {"customer_id": str, **dict.fromkeys(settings.features, "float64")}
    if buffer.getbuffer().nbytes == 0:
        return pd.DataFrame({c: pd.Series(dtype=d) for c, d in dtypes.items()})
    frame = pd.read_csv(buffer, names=columns, dtype=dtypes, keep_default_na=False, na_values=[""])
    nulls = frame[list(settings.features)].isna().sum()
    if nulls.any():
        raise ClusterError(f"{FEATURE_MODEL} has NULL features: {nulls[nulls > 0].to_dict()}")
    return frame


def transform(frame: pd.DataFrame, transforms: dict[str, str]) -> np.ndarray:
    """The features in transformed units (log1p of the value clipped at 0; or as is)."""
    columns = []
    for name, kind in transforms.items():
        values = frame[name].to_numpy(dtype=np.float64)
        columns.append(np.log1p(np.maximum(values, 0.0)) if kind == "log1p" else values)
    return np.column_stack(columns) if columns else np.empty((len(frame), 0))


# ---------------------------------------------------------------------------------------------
# the model
# ---------------------------------------------------------------------------------------------
@dataclass
class ClusterModel:
    """A fitted (or stored) model. Cluster ``i`` of the arrays has id ``cluster_ids[i]``."""

    features: list[str]
    transforms: list[str]
    means: np.ndarray  # scaler mean per feature (transformed units)
    scales: np.ndarray  # scaler scale per feature
    centroids: np.ndarray  # k x features, scaled units (= z-scores)
    cluster_ids: list[int]
    labels: list[str]  # label in use
    generated_labels: list[str]  # label this fit derived
    sizes: list[int]  # training rows per cluster
    member_means: np.ndarray  # k x features, raw units
    population_means: np.ndarray  # raw units
    k: int
    silhouette: float
    silhouette_by_k: dict[int, float]
    training_rows: int
    sample_rows: int
    random_state: int
    n_init: int
    fit_seconds: float
    fitted_at: datetime
    model_version: int | None = None
    previous_version: int | None = None
    matched_from: list[int | None] = field(default_factory=list)
    match_distances: list[float | None] = field(default_factory=list)
    #: scikit-learn objects of a fresh fit (not stored); kmeans label j -> cluster_ids[order[j]]
    estimator: Any = None
    scaler: Any = None
    order: list[int] = field(default_factory=list)

    def scale(self, frame: pd.DataFrame) -> np.ndarray:
        """The frame's features transformed and standardized with the stored scaler."""
        return (
            transform(frame, dict(zip(self.features, self.transforms, strict=True))) - self.means
        ) / self.scales

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Cluster id of each row: the nearest centroid (exact squared distances; ties: first)."""
        z = self.scale(frame)
        distances = ((z[:, None, :] - self.centroids[None, :, :]) ** 2).sum(axis=2)
        return np.asarray(self.cluster_ids)[distances.argmin(axis=1)]

    def label_of(self) -> dict[int, str]:
        """cluster id -> label in use."""
        return dict(zip(self.cluster_ids, self.labels, strict=True))


def _phrase(feature: str, positive: bool) -> str:
    high, low = PHRASES.get(feature, (f"high {feature}", f"low {feature}"))
    return high if positive else low


def derive_label(z: np.ndarray, features: list[str], min_z: float, max_terms: int) -> str:
    """A readable label from a centroid's z-scores: its strongest deviations, strongest first.

    Features within ``min_z`` of the population are not mentioned; voice, data and SMS all far on
    the same side read as "heavy usage" / "low usage". Ties keep the feature order.
    """
    terms: list[tuple[float, int, str]] = []
    used: set[str] = set()
    position = {name: i for i, name in enumerate(features)}
    group = [f for f in USAGE_GROUP if f in position]
    if len(group) == len(USAGE_GROUP):
        values = [float(z[position[f]]) for f in group]
        if all(v >= min_z for v in values) or all(v <= -min_z for v in values):
            strength = float(np.mean(np.abs(values)))
            terms.append((strength, min(position[f] for f in group), USAGE_PHRASES[values[0] < 0]))
            used.update(group)
    for name, i in position.items():
        if name not in used and abs(float(z[i])) >= min_z:
            terms.append((abs(float(z[i])), i, _phrase(name, float(z[i]) > 0)))
    terms.sort(key=lambda t: (-round(t[0], 9), t[1]))
    if not terms:
        return AVERAGE_LABEL
    return ", ".join(t[2] for t in terms[:max_terms])


def derive_labels(
    centroids: np.ndarray,
    features: list[str],
    min_z: float,
    max_terms: int,
    taken: set[str] | None = None,
) -> list[str]:
    """Labels for every centroid, unique among themselves and against ``taken``.

    A label that is already taken gets more terms; if it still collides, a "#n" suffix.
    """
    taken = set(taken or ())
    labels: list[str] = []
    for row in centroids:
        label = ""
        for terms in range(max_terms, len(features) + 1):
            label = derive_label(row, features, min_z, terms)
            if label not in taken:
                break
        base, n = label, 2
        while label in taken:
            label, n = f"{base} #{n}", n + 1
        taken.add(label)
        labels.append(label)
    return labels


def deterministic_sample(n: int, size: int, random_state: int) -> np.ndarray:
    """Sorted row indexes of a sample of ``size`` rows (all rows when there are fewer)."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(random_state).choice(n, size=size, replace=False))


def choose_k(z_sample: np.ndarray, settings: ClusterSettings) -> dict[int, float]:
    """Silhouette of k-means on the sample for every k of the range."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    scores: dict[int, float] = {}
    distinct = len(np.unique(z_sample, axis=0))
    for k in range(settings.k_min, settings.k_max + 1):
        if k >= distinct:
            break
        km = KMeans(n_clusters=k, n_init=settings.n_init, random_state=settings.random_state)
        labels = km.fit_predict(z_sample)
        scores[k] = float(silhouette_score(z_sample, labels))
    if not scores:
        raise ClusterError(
            f"too few distinct customers ({distinct}) for k >= {settings.k_min} clusters"
        )
    return scores


def fit_model(
    frame: pd.DataFrame, settings: ClusterSettings, previous: ClusterModel | None = None
) -> ClusterModel:
    """Fit scaler and k-means on the frame; labels and ids follow ``previous`` where they match."""

    # imported here, not in the timed fit: loading scikit-learn and scipy takes seconds on a busy
    # machine (measured: 10 s of the first fit on the demo, 0.6 s for the fit itself)
    import scipy.optimize  # noqa: F401
    import sklearn.cluster
    import sklearn.metrics  # noqa: F401
    from threadpoolctl import threadpool_limits

    # One thread: OpenMP's spinning workers make k-means 20-30x slower on a shared 2-core machine
    # (measured on the demo: 28 s with 2 threads, 1 s with one).
    with threadpool_limits(limits=1):
        return _fit_model(frame, settings, previous)


def _fit_model(
    frame: pd.DataFrame, settings: ClusterSettings, previous: ClusterModel | None
) -> ClusterModel:
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler

    started = time.perf_counter()
    features = list(settings.features)
    if len(frame) < settings.k_min + 1:
        raise ClusterError(f"{len(frame)} customers are too few to fit {settings.k_min} clusters")
    x = transform(frame, settings.features)
    scaler = StandardScaler().fit(x)
    z = scaler.transform(x)
    sample = deterministic_sample(len(z), settings.sample_size, settings.random_state)
    scores = choose_k(z[sample], settings)
    best_k = max(scores, key=lambda k: (round(scores[k], 9), -k))
    estimator = KMeans(
        n_clusters=best_k, n_init=settings.n_init, random_state=settings.random_state
    )
    assignment = estimator.fit_predict(z)
    sizes = np.bincount(assignment, minlength=best_k)
    # cluster ids 1..k by size (largest first), ties by centroid: independent of k-means' order
    order = sorted(
        range(best_k), key=lambda j: (-int(sizes[j]), tuple(estimator.cluster_centers_[j]))
    )
    centroids = estimator.cluster_centers_[order]
    raw = frame[features].to_numpy(dtype=np.float64)
    member_means = np.vstack([raw[assignment == j].mean(axis=0) for j in order])

    ids = list(range(1, best_k + 1))
    labels = derive_labels(centroids, features, settings.label_min_z, settings.label_max_terms)
    model = ClusterModel(
        features=features,
        transforms=[settings.features[f] for f in features],
        means=scaler.mean_.copy(),
        scales=scaler.scale_.copy(),
        centroids=centroids,
        cluster_ids=ids,
        labels=list(labels),
        generated_labels=list(labels),
        sizes=[int(sizes[j]) for j in order],
        member_means=member_means,
        population_means=raw.mean(axis=0),
        k=best_k,
        silhouette=scores[best_k],
        silhouette_by_k=scores,
        training_rows=len(frame),
        sample_rows=len(sample),
        random_state=settings.random_state,
        n_init=settings.n_init,
        fit_seconds=0.0,
        fitted_at=datetime.now(UTC),
        matched_from=[None] * best_k,
        match_distances=[None] * best_k,
        estimator=estimator,
        scaler=scaler,
        order=order,
    )
    if previous is not None:
        inherit(model, previous, settings)
    model.fit_seconds = time.perf_counter() - started
    return model


def previous_centroids_in(model: ClusterModel, previous: ClusterModel) -> np.ndarray:
    """The previous model's centroids expressed in ``model``'s scaled units (shared features)."""
    index = [previous.features.index(f) for f in model.features]
    transformed = previous.centroids[:, index] * previous.scales[index] + previous.means[index]
    return (transformed - model.means) / model.scales


def inherit(model: ClusterModel, previous: ClusterModel, settings: ClusterSettings) -> None:
    """Give the new clusters the ids and labels of the previous clusters they correspond to.

    Hungarian matching (scipy's linear_sum_assignment) on the Euclidean distance between the new
    centroids and the previous ones (in the new scaled units) pairs clusters one to one at the
    least total distance; a pair farther apart than ``cluster_match_max_distance`` is not the same
    cluster. Unmatched new clusters get fresh ids (after the previous model's) and derived labels
    that differ from every inherited one.
    """
    from scipy.optimize import linear_sum_assignment

    model.previous_version = previous.model_version
    comparable = not set(model.features) - set(previous.features) and model.transforms == [
        previous.transforms[previous.features.index(f)] for f in model.features
    ]
    rows, cols = np.empty(0, dtype=int), np.empty(0, dtype=int)
    if comparable:  # in another feature space nothing corresponds
        old = previous_centroids_in(model, previous)
        cost = np.sqrt(((model.centroids[:, None, :] - old[None, :, :]) ** 2).sum(axis=2))
        rows, cols = linear_sum_assignment(cost)
    ids: list[int | None] = [None] * model.k
    labels: list[str | None] = [None] * model.k
    for i, j in zip(rows, cols, strict=True):
        if cost[i, j] <= settings.match_max_distance:
            ids[i] = previous.cluster_ids[j]
            labels[i] = previous.labels[j]
            model.matched_from[i] = previous.cluster_ids[j]
            model.match_distances[i] = float(cost[i, j])
    next_id = max(previous.cluster_ids) + 1
    taken = {label for label in labels if label is not None}
    for i in range(model.k):
        if ids[i] is None:
            ids[i], next_id = next_id, next_id + 1
            labels[i] = derive_labels(
                model.centroids[i : i + 1],
                model.features,
                settings.label_min_z,
                settings.label_max_terms,
                taken,
            )[0]
            taken.add(labels[i] or "")
    model.cluster_ids = [int(i) for i in ids if i is not None]
    model.labels = [str(label) for label in labels]
