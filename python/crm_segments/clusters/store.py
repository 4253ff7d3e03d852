"""The cluster model in the warehouse: four tables in the var ``cluster_schema``, one version
per fit, read by dbt as sources."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import psycopg
from psycopg import sql

from crm_segments.clusters.model import ClusterModel
from crm_segments.errors import ClusterError

# ---------------------------------------------------------------------------------------------
# the warehouse tables
# ---------------------------------------------------------------------------------------------
DDL = """
create schema if not exists {schema};
create table if not exists {schema}.cluster_models (
    model_version integer primary key,
    k integer not null,
    silhouette double precision not null,
    silhouette_by_k jsonb not null,
    fitted_at timestamptz not null,
    training_rows integer not null,
    sample_rows integer not null,
    random_state integer not null,
    n_init integer not null,
    fit_seconds double precision not null,
    features jsonb not null,
    previous_model_version integer
);
create table if not exists {schema}.cluster_model_features (
    model_version integer not null references {schema}.cluster_models,
    feature_name text not null,
    feature_position integer not null,
    transform text not null,
    scaler_mean double precision not null,
    scaler_scale double precision not null check (scaler_scale > 0),
    population_mean double precision not null,
    primary key (model_version, feature_name)
);
create table if not exists {schema}.cluster_centroids (
    model_version integer not null references {schema}.cluster_models,
    cluster_id integer not null,
    feature_name text not null,
    centroid_scaled double precision not null,
    centroid_value double precision not null,
    member_mean double precision not null,
    primary key (model_version, cluster_id, feature_name)
);
create table if not exists {schema}.cluster_labels (
    model_version integer not null references {schema}.cluster_models,
    cluster_id integer not null,
    cluster_label text not null,
    generated_label text not null,
    training_rows integer not null,
    training_share double precision not null,
    matched_from_cluster_id integer,
    match_distance double precision,
    primary key (model_version, cluster_id),
    unique (model_version, cluster_label)
);
"""


def ensure_tables(conn: psycopg.Connection[Any], schema: str) -> None:
    """Create the schema and the four model tables when they do not exist."""
    conn.execute(sql.SQL(DDL).format(schema=sql.Identifier(schema)))  # type: ignore[arg-type]


def table_exists(conn: psycopg.Connection[Any], schema: str, table: str) -> bool:
    row = conn.execute("select to_regclass(%s) is not null", (f'"{schema}"."{table}"',)).fetchone()
    return bool(row and row[0])


def latest_version(conn: psycopg.Connection[Any], schema: str) -> int | None:
    """The newest stored model version (None when there is none, or no tables)."""
    if not table_exists(conn, schema, "cluster_models"):
        return None
    row = conn.execute(
        sql.SQL("select max(model_version) from {}.cluster_models").format(sql.Identifier(schema))
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def save_model(conn: psycopg.Connection[Any], model: ClusterModel, schema: str) -> int:
    """Store the model as the next version (one transaction); returns the version."""
    with conn.transaction():
        ensure_tables(conn, schema)
        s = sql.Identifier(schema)
        conn.execute(sql.SQL("lock table {}.cluster_models in exclusive mode").format(s))
        version = (latest_version(conn, schema) or 0) + 1
        features = [
            {"name": f, "transform": t}
            for f, t in zip(model.features, model.transforms, strict=True)
        ]
        conn.execute(
            _insert(schema, "cluster_models", 12),
            (
                version, model.k, model.silhouette,
                json.dumps({str(k): v for k, v in model.silhouette_by_k.items()}),
                model.fitted_at, model.training_rows, model.sample_rows, model.random_state,
                model.n_init, model.fit_seconds, json.dumps(features), model.previous_version,
            ),
        )  # fmt: skip
        with conn.cursor() as cur:
            cur.executemany(
                _insert(schema, "cluster_model_features", 7),
                [
                    (version, f, i + 1, model.transforms[i], float(model.means[i]),
                     float(model.scales[i]), float(model.population_means[i]))
                    for i, f in enumerate(model.features)
                ],
            )  # fmt: skip
            values = _centroid_values(model)
            cur.executemany(
                _insert(schema, "cluster_centroids", 6),
                [
                    (version, cid, f, float(model.centroids[c, i]), float(values[c, i]),
                     float(model.member_means[c, i]))
                    for c, cid in enumerate(model.cluster_ids)
                    for i, f in enumerate(model.features)
                ],
            )  # fmt: skip
            total = max(model.training_rows, 1)
            cur.executemany(
                _insert(schema, "cluster_labels", 8),
                [
                    (version, cid, model.labels[c], model.generated_labels[c], model.sizes[c],
                     model.sizes[c] / total, model.matched_from[c], model.match_distances[c])
                    for c, cid in enumerate(model.cluster_ids)
                ],
            )  # fmt: skip
    model.model_version = version
    return version


def _insert(schema: str, table: str, columns: int) -> sql.Composed:
    placeholders = sql.SQL(", ").join([sql.Placeholder()] * columns)
    return sql.SQL("insert into {} values ({})").format(sql.Identifier(schema, table), placeholders)


def _centroid_values(model: ClusterModel) -> np.ndarray:
    """Centroids back in raw units (scaler and transform inverted)."""
    transformed = model.centroids * model.scales + model.means
    values = transformed.copy()
    for i, kind in enumerate(model.transforms):
        if kind == "log1p":
            values[:, i] = np.expm1(transformed[:, i])
    return values


def load_model(
    conn: psycopg.Connection[Any], schema: str, version: int | None = None
) -> ClusterModel | None:
    """A stored model (the newest when ``version`` is None); None when nothing is stored."""
    version = version if version is not None else latest_version(conn, schema)
    if version is None:
        return None
    s = sql.Identifier(schema)
    header = conn.execute(
        sql.SQL(
            "select k, silhouette, silhouette_by_k, fitted_at, training_rows, sample_rows, "
            "random_state, n_init, fit_seconds, previous_model_version "
            "from {}.cluster_models where model_version = %s"
        ).format(s),
        (version,),
    ).fetchone()
    if header is None:
        raise ClusterError(f"no cluster model version {version} in schema {schema}")
    feats = conn.execute(
        sql.SQL(
            "select feature_name, transform, scaler_mean, scaler_scale, population_mean "
            "from {}.cluster_model_features where model_version = %s order by feature_position"
        ).format(s),
        (version,),
    ).fetchall()
    labels = conn.execute(
        sql.SQL(
            "select cluster_id, cluster_label, generated_label, training_rows, "
            "matched_from_cluster_id, match_distance "
            "from {}.cluster_labels where model_version = %s order by cluster_id"
        ).format(s),
        (version,),
    ).fetchall()
    cents = conn.execute(
        sql.SQL(
            "select cluster_id, feature_name, centroid_scaled, member_mean "
            "from {}.cluster_centroids where model_version = %s"
        ).format(s),
        (version,),
    ).fetchall()
    features = [r[0] for r in feats]
    ids = [int(r[0]) for r in labels]
    centroids = np.zeros((len(ids), len(features)))
    member_means = np.zeros_like(centroids)
    for cid, fname, value, mean in cents:
        centroids[ids.index(cid), features.index(fname)] = value
        member_means[ids.index(cid), features.index(fname)] = mean
    return ClusterModel(
        features=features,
        transforms=[r[1] for r in feats],
        means=np.array([r[2] for r in feats], dtype=np.float64),
        scales=np.array([r[3] for r in feats], dtype=np.float64),
        centroids=centroids,
        cluster_ids=ids,
        labels=[r[1] for r in labels],
        generated_labels=[r[2] for r in labels],
        sizes=[int(r[3]) for r in labels],
        member_means=member_means,
        population_means=np.array([r[4] for r in feats], dtype=np.float64),
        k=int(header[0]),
        silhouette=float(header[1]),
        silhouette_by_k={int(k): float(v) for k, v in header[2].items()},
        training_rows=int(header[4]),
        sample_rows=int(header[5]),
        random_state=int(header[6]),
        n_init=int(header[7]),
        fit_seconds=float(header[8]),
        fitted_at=header[3],
        model_version=version,
        previous_version=header[9],
        matched_from=[r[4] for r in labels],
        match_distances=[r[5] for r in labels],
    )
