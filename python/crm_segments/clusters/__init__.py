"""Behavioural clusters: k-means fitted in Python, stored in the warehouse, scored in SQL.

``crm-segments cluster fit`` reads the dbt model ``int_customer_cluster_features`` (one row per
profiled person), applies the transform of each feature (``log1p`` for skewed amounts, ``none``
otherwise), standardizes, chooses k in ``[cluster_k_min, cluster_k_max]`` by silhouette on a
deterministic sample and fits scikit-learn's ``KMeans`` with a fixed random state on every row.

The fitted model goes to four small tables in the schema of the var ``cluster_schema``, one
version per fit (nothing is overwritten):

- ``cluster_models``: one row per version (k, silhouette per k, fitted_at, rows, settings);
- ``cluster_model_features``: per version and feature, its transform and the scaler's mean and
  scale (in transformed units) and the population mean (raw units);
- ``cluster_centroids``: per version, cluster and feature, the centroid in scaled units (a
  z-score against the population), in raw units, and the members' raw mean (the profile);
- ``cluster_labels``: per version and cluster, the label in use and the one this fit derived.

dbt reads them as sources (``models/staging/clusters``) and ``int_customer_clusters`` assigns
every person to the nearest centroid in plain SQL, so a ``dbt build`` scores without Python.

Labels are derived from the centroid's z-scores (the strongest deviations, e.g. "heavy data, high
ARPU"), and a refit inherits the cluster id and label of the previous model's cluster whose
centroid corresponds (Hungarian matching on centroid distance, accepted up to
``cluster_match_max_distance``), so campaign selections by label survive refits.
"""

from __future__ import annotations

from typing import Any

import psycopg

from crm_segments.clusters.model import (
    AVERAGE_LABEL,
    FEATURE_MODEL,
    SCORING_SELECTOR,
    ClusterModel,
    ClusterSettings,
    choose_k,
    derive_label,
    derive_labels,
    deterministic_sample,
    fit_model,
    inherit,
    load_settings,
    previous_centroids_in,
    read_features,
    transform,
)
from crm_segments.clusters.profile import profile_table, scored_counts
from crm_segments.clusters.store import ensure_tables, latest_version, load_model, save_model
from crm_segments.errors import ClusterError

__all__ = [
    "AVERAGE_LABEL",
    "FEATURE_MODEL",
    "SCORING_SELECTOR",
    "ClusterError",
    "ClusterModel",
    "ClusterSettings",
    "choose_k",
    "derive_label",
    "derive_labels",
    "deterministic_sample",
    "ensure_tables",
    "fit",
    "fit_model",
    "inherit",
    "latest_version",
    "load_model",
    "load_settings",
    "previous_centroids_in",
    "profile_table",
    "read_features",
    "save_model",
    "scored_counts",
    "transform",
]


def fit(
    conn: psycopg.Connection[Any], settings: ClusterSettings, *, refit: bool = False
) -> tuple[ClusterModel, bool]:
    """Fit and store a model unless one exists (``refit`` fits a new version anyway).

    Returns the model in use and whether it was fitted now.
    """
    previous = load_model(conn, settings.cluster_schema)
    if previous is not None and not refit:
        return previous, False
    frame = read_features(conn, settings)
    model = fit_model(frame, settings, previous)
    save_model(conn, model, settings.cluster_schema)
    conn.commit()
    return model, True
