"""Behavioural clusters: fit determinism, SQL scoring vs scikit-learn, stable labels, consent.

The database tests run the real workflow on the demo data: `crm-segments load seeds/demo`, then
`crm-segments build` on an empty model store (which builds, fits, and scores), on the session's
embedded PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import psycopg
import pytest
import yaml

from crm_segments import clusters
from crm_segments.db import EmbeddedStatus

from .conftest import MODELS_ONLY, PROJECT_DIR, run_cli

# Unit tests are dbt's own business (`dbt build` runs them; they cover this feature's SQL too);
# here the point is the workflow, which must not stop at an unrelated unit test.
BUILD = ("build", "--exclude", "test_type:unit")


@pytest.fixture(scope="module")
def demo_built(embedded_pg: EmbeddedStatus) -> Iterator[dict[str, Any]]:
    """The demo data loaded and built once; the first build fits model v1."""
    with psycopg.connect(embedded_pg.url, autocommit=True) as conn:
        conn.execute("drop schema if exists clusters cascade")
    loaded = run_cli("load", str(PROJECT_DIR / "seeds" / "demo"))
    assert loaded.returncode == 0, loaded.stderr
    built = run_cli(*BUILD)
    assert built.returncode == 0, built.stdout + built.stderr
    yield {"url": embedded_pg.url, "build_stdout": built.stdout}


@pytest.fixture
def settings() -> clusters.ClusterSettings:
    return clusters.load_settings()


def features(url: str, settings: clusters.ClusterSettings) -> pd.DataFrame:
    with psycopg.connect(url) as conn:
        return clusters.read_features(conn, settings)


def scored(url: str) -> pd.DataFrame:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select customer_id, cluster_id, cluster_label, cluster_status, cluster_distance, "
            "model_version from intermediate.int_customer_clusters order by customer_id"
        ).fetchall()
    return pd.DataFrame(
        rows,
        columns=["customer_id", "cluster_id", "cluster_label", "cluster_status", "distance", "v"],
    )


# ---------------------------------------------------------------------------------------------
# without a database
# ---------------------------------------------------------------------------------------------
def test_labels_name_the_strongest_deviations() -> None:
    names = ["arpu", "voice_mou", "data_mb", "sms_count", "tenure_months"]
    assert clusters.derive_label(np.array([1.0, 0, 2.0, 0, 0]), names, 0.5, 2) == (
        "heavy data, high ARPU"
    )
    # voice, data and SMS all low read as one phrase
    assert (
        clusters.derive_label(np.array([0.1, -1, -1.2, -0.8, 0.9]), names, 0.5, 2)
        == "low usage, long tenure"
    )
    assert clusters.derive_label(np.array([0.2, 0.1, -0.3, 0, 0.4]), names, 0.5, 2) == (
        clusters.AVERAGE_LABEL
    )
    # two clusters that would read the same get distinct labels (one more term)
    labels = clusters.derive_labels(
        np.array([[1.0, 0, 2.0, 0, 0.6], [1.0, 0, 2.0, 0, -0.6]]), names, 0.5, 2
    )
    assert labels == ["heavy data, high ARPU", "heavy data, high ARPU, new customers"]


def blobs(seed: int, n: int = 600) -> pd.DataFrame:
    """Three well separated groups of customers on two features."""
    rng = np.random.default_rng(seed)
    centres = [(10.0, 100.0), (200.0, 5000.0), (1000.0, 300.0)]
    rows = []
    for i, (arpu, data) in enumerate(centres):
        for j in range(n // 3):
            rows.append(
                (f"C{i}{j:05d}", arpu * rng.lognormal(0, 0.1), data * rng.lognormal(0, 0.1))
            )
    return pd.DataFrame(rows, columns=["customer_id", "arpu", "data_mb"])


def blob_settings() -> clusters.ClusterSettings:
    return clusters.ClusterSettings(
        features={"arpu": "log1p", "data_mb": "log1p"}, k_min=2, k_max=5, n_init=4
    )


def test_fit_is_deterministic_and_picks_k_by_silhouette() -> None:
    frame = blobs(1)
    first = clusters.fit_model(frame, blob_settings())
    second = clusters.fit_model(frame.sample(frac=1, random_state=3).sort_values("customer_id"),
                               blob_settings())  # fmt: skip
    assert first.k == 3 == max(first.silhouette_by_k, key=first.silhouette_by_k.__getitem__)
    # equal up to float rounding: BLAS may round the last bit differently with the memory
    # alignment of its buffers (seen: 2e-16 between two fits of the same frame); the assignment,
    # sizes and labels are exact
    np.testing.assert_allclose(first.centroids, second.centroids, rtol=0, atol=1e-12)
    assert np.array_equal(first.predict(frame), second.predict(frame))
    assert first.labels == second.labels and first.sizes == second.sizes == [200, 200, 200]


def test_refit_inherits_ids_and_labels_by_hungarian_matching() -> None:
    settings = blob_settings()
    previous = clusters.fit_model(blobs(1), settings)
    # the previous model as the marketers know it: other ids, renamed labels, shuffled order
    perm = [2, 0, 1]
    previous.centroids = previous.centroids[perm]
    previous.cluster_ids = [7, 8, 9]
    previous.labels = ["gold", "silver", "bronze"]
    refit = clusters.fit_model(blobs(2), settings, previous)  # other customers, same structure
    assert sorted(refit.labels) == ["bronze", "gold", "silver"]
    for c in range(refit.k):
        j = previous.cluster_ids.index(refit.cluster_ids[c])
        assert refit.labels[c] == previous.labels[j]
        # the matched centroids are the close ones
        old = clusters.previous_centroids_in(refit, previous)[j]
        assert np.linalg.norm(refit.centroids[c] - old) < 0.5
    # a previous cluster far from everything is not inherited: a fresh id and a derived label
    previous.centroids[0] += 50
    moved = clusters.fit_model(blobs(2), settings, previous)
    assert sum(m is None for m in moved.matched_from) == 1
    fresh = moved.matched_from.index(None)
    assert moved.cluster_ids[fresh] == 10 and moved.labels[fresh] not in previous.labels


# ---------------------------------------------------------------------------------------------
# on the demo data
# ---------------------------------------------------------------------------------------------
@pytest.mark.e2e
def test_build_fits_once_and_labels_stay_across_builds(
    demo_built: dict[str, Any], settings: clusters.ClusterSettings
) -> None:
    url = demo_built["url"]
    assert "fitted model v1" in demo_built["build_stdout"]
    before = scored(url)
    assert (before["cluster_status"] == "scored").sum() > 1000
    assert before.loc[before["cluster_status"] == "scored", "v"].eq(1).all()

    # the models only (the first build ran every data test): what matters is the reuse
    again = run_cli("build", *MODELS_ONLY)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "fit the behavioural clusters" not in again.stdout, "a stored model is reused"
    with psycopg.connect(url) as conn:
        assert clusters.latest_version(conn, settings.cluster_schema) == 1
    after = scored(url)
    pd.testing.assert_frame_equal(before, after)


@pytest.mark.e2e
def test_fit_is_deterministic_on_the_demo(
    demo_built: dict[str, Any], settings: clusters.ClusterSettings
) -> None:
    frame = features(demo_built["url"], settings)
    fresh = clusters.fit_model(frame, settings)
    with psycopg.connect(demo_built["url"]) as conn:
        stored = clusters.load_model(conn, settings.cluster_schema, 1)
    assert stored is not None
    assert (fresh.k, fresh.labels, fresh.sizes) == (stored.k, stored.labels, stored.sizes)
    np.testing.assert_allclose(fresh.centroids, stored.centroids, rtol=0, atol=1e-12)
    np.testing.assert_allclose(fresh.means, stored.means, rtol=1e-15)
    np.testing.assert_allclose(fresh.scales, stored.scales, rtol=1e-15)
    assert np.array_equal(fresh.predict(frame), stored.predict(frame))
    assert stored.training_rows == len(frame)


@pytest.mark.e2e
def test_sql_scoring_agrees_with_scikit_learn(
    demo_built: dict[str, Any], settings: clusters.ClusterSettings
) -> None:
    frame = features(demo_built["url"], settings)
    model = clusters.fit_model(frame, settings)  # identical to the stored v1 (test above)
    kmeans_labels = model.estimator.predict(
        model.scaler.transform(clusters.transform(frame, settings.features))
    )
    id_of = {j: model.cluster_ids[i] for i, j in enumerate(model.order)}
    sklearn_ids = pd.Series([id_of[j] for j in kmeans_labels], index=frame["customer_id"])

    sql = scored(demo_built["url"]).set_index("customer_id")
    sql = sql[sql["cluster_status"] == "scored"]
    assert set(sql.index) == set(sklearn_ids.index), "SQL scores exactly the feature rows"
    sql_ids = sql["cluster_id"].astype(int).reindex(sklearn_ids.index)
    disagree = sklearn_ids.index[sql_ids.to_numpy() != sklearn_ids.to_numpy()]
    if len(disagree):  # only float near-ties may differ: report them
        z = model.scale(frame.set_index("customer_id").loc[disagree].reset_index())
        d = np.sort(((z[:, None, :] - model.centroids[None]) ** 2).sum(axis=2), axis=1)
        gaps = d[:, 1] - d[:, 0]
        assert (gaps < 1e-9).all(), f"{len(disagree)} disagreements, gaps {gaps[:5]}"
    assert len(disagree) == 0, f"near-ties: {list(disagree)}"
    # the stored model's numpy predict is the same assignment
    with psycopg.connect(demo_built["url"]) as conn:
        stored = clusters.load_model(conn, settings.cluster_schema)
    assert stored is not None
    assert np.array_equal(stored.predict(frame), sql_ids.to_numpy())
    # and the SQL distance is the Euclidean distance in scaled units
    z = stored.scale(frame)
    index = [stored.cluster_ids.index(c) for c in sql_ids]
    expected = np.sqrt(((z - stored.centroids[index]) ** 2).sum(axis=1))
    np.testing.assert_allclose(sql["distance"].reindex(sklearn_ids.index), expected, atol=1e-9)


def profiling_withdrawn_by_pandas(url: str) -> set[str]:
    """SPEC's rule computed independently of the dbt models, from staged rows: the latest
    profiling event up to now on a SPEC channel, across all of the person's records."""
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    channels = list(project["vars"]["consent_channels"])
    with psycopg.connect(url) as conn:
        events = pd.DataFrame(
            conn.execute(
                "select r.customer_id, e.channel, e.action, e.event_at "
                "from staging.stg_crm__consent_events e "
                "join intermediate.int_contacts_resolved r using (source_system, source_record_id) "
                "where e.purpose = 'profiling' and e.event_at <= now() "
                "and e.channel = any(%s) and e.action in ('grant', 'withdraw')",
                (channels,),
            ).fetchall(),
            columns=["customer_id", "channel", "action", "event_at"],
        )
    events["withdraw_first"] = events["action"] != "withdraw"
    events = events.sort_values(
        ["customer_id", "channel", "event_at", "withdraw_first"],
        ascending=[True, True, False, True],
    )
    current = events.groupby(["customer_id", "channel"]).head(1)
    return set(current.loc[current["action"] == "withdraw", "customer_id"])


@pytest.mark.e2e
def test_profiling_withdrawals_are_neither_fitted_nor_scored(
    demo_built: dict[str, Any], settings: clusters.ClusterSettings
) -> None:
    url = demo_built["url"]
    withdrawn = profiling_withdrawn_by_pandas(url)
    assert len(withdrawn) > 50, "the demo has profiling withdrawals"
    with psycopg.connect(url) as conn:
        modelled = {
            r[0]
            for r in conn.execute(
                "select customer_id from intermediate.int_customer_profiling_withdrawals"
            )
        }
        stored = clusters.load_model(conn, settings.cluster_schema, 1)
    assert modelled == withdrawn
    frame = features(url, settings)
    assert not withdrawn & set(frame["customer_id"]), "not in the features the model is fitted on"
    assert stored is not None and stored.training_rows == len(frame)
    rows = scored(url).set_index("customer_id").loc[sorted(withdrawn)]
    assert (rows["cluster_status"] == "not_profiled").all()
    assert (rows["cluster_label"] == "not profiled").all()
    assert rows["cluster_id"].isna().all() and rows["distance"].isna().all()


@pytest.mark.e2e
def test_labels_survive_a_refit(
    demo_built: dict[str, Any], settings: clusters.ClusterSettings
) -> None:
    url = demo_built["url"]
    with psycopg.connect(url) as conn:
        v1 = clusters.load_model(conn, settings.cluster_schema, 1)
    assert v1 is not None
    frame = features(url, settings)

    # slightly changed data: 5% of the customers gone, every value moved by up to +-3%
    rng = np.random.default_rng(7)
    changed = frame.sample(frac=0.95, random_state=11).sort_values("customer_id").copy()
    for name in settings.features:
        changed[name] = changed[name] * rng.uniform(0.97, 1.03, len(changed))
    refit = clusters.fit_model(changed, settings, v1)
    assert refit.k == v1.k
    assert all(m is not None for m in refit.matched_from), refit.match_distances
    assert sorted(refit.labels) == sorted(v1.labels)
    assert dict(zip(refit.cluster_ids, refit.labels, strict=True)) == v1.label_of()
    same = (refit.predict(changed) == v1.predict(changed)).mean()
    assert same > 0.9, f"only {same:.1%} of customers keep their cluster"

    # a real refit on unchanged data: version 2, same ids and labels, same scores after a build
    before = scored(url)
    fitted = run_cli("cluster", "fit", "--refit")
    assert fitted.returncode == 0, fitted.stdout + fitted.stderr
    with psycopg.connect(url) as conn:
        v2 = clusters.load_model(conn, settings.cluster_schema)
    assert v2 is not None and v2.model_version == 2 and v2.previous_version == 1
    assert v2.label_of() == v1.label_of()
    rebuilt = run_cli("build", "--select", clusters.SCORING_SELECTOR, *MODELS_ONLY)
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    after = scored(url)
    assert after["v"].dropna().eq(2).all()
    pd.testing.assert_frame_equal(
        before.drop(columns=["v", "distance"]), after.drop(columns=["v", "distance"])
    )
