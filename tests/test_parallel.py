"""Beyond one process: dask partitions on a LocalCluster, GridSearchCV on the dask backend."""

import numpy as np
import pandas as pd
import pytest
from _estimators import estimator_params
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from sklearn_lexembed import GloveVectorizer, clear_cache
from sklearn_lexembed.datasets import load_polarity
from sklearn_lexembed.parallel import transform_partitions

distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")
db = pytest.importorskip("dask.bag")

POLARITY, LABELS = load_polarity()
DOCUMENTS = [f"{POLARITY[i % 200]} item{i % 997}" for i in range(20_000)]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        with distributed.Client(cluster) as client:
            yield client


def _worker_loads(client):
    """Loads of the process cache so far, per worker address."""

    def loads():
        from sklearn_lexembed._core.cache import cache_info

        return cache_info()["loads"]

    return client.run(loads)


@pytest.mark.slow
@pytest.mark.parametrize("entry", estimator_params(text_only=True))
def test_partitions_match_in_process_vectors(client, entry):
    estimator = entry.factory().set_params(**entry.shipping_params).fit(entry.X)
    documents = DOCUMENTS[: entry.bulk_documents]
    # Static vectors are bit-identical; a transformer's float rounding depends on which
    # documents share a batch, which partitioning changes.
    expected = estimator.transform(documents)
    series = dd.from_pandas(pd.Series(documents), npartitions=8)
    frame = transform_partitions(estimator, series).compute()
    np.testing.assert_allclose(frame.to_numpy(), expected, rtol=0, atol=entry.atol)
    assert list(frame.columns) == list(estimator.get_feature_names_out())
    array = transform_partitions(estimator, db.from_sequence(documents, npartitions=6)).compute()
    np.testing.assert_allclose(array, expected, rtol=0, atol=entry.atol)


@pytest.mark.slow
def test_pretrained_vectors_load_once_per_worker(client):
    estimator = GloveVectorizer(persist="reference").fit(POLARITY)
    expected = estimator.transform(DOCUMENTS)
    # Earlier tests on this cluster may have left the vectors cached in the workers.
    client.run(clear_cache)
    before = _worker_loads(client)
    series = dd.from_pandas(pd.Series(DOCUMENTS), npartitions=16)
    first = transform_partitions(estimator, series).compute()
    second = transform_partitions(estimator, series).compute()
    after = _worker_loads(client)
    loads = {worker: after[worker] - before[worker] for worker in after}
    # The workers did the loading (the client's fitted estimator holds its own table), and
    # each loaded the vectors at most once for 32 partitions.
    assert sum(loads.values()) >= 1, loads
    assert all(count <= 1 for count in loads.values()), loads
    np.testing.assert_array_equal(first.to_numpy(), expected)
    np.testing.assert_array_equal(second.to_numpy(), expected)


@pytest.mark.slow
def test_grid_search_on_the_dask_backend(client):
    from joblib import parallel_backend

    pipeline = Pipeline([("emb", GloveVectorizer()), ("clf", LogisticRegression(max_iter=500))])
    grid = {"emb__pooling": ["mean", "max"], "clf__C": [0.5, 2.0]}
    serial = GridSearchCV(pipeline, grid, cv=3).fit(POLARITY, LABELS)
    with parallel_backend("dask"):
        distributed_search = GridSearchCV(pipeline, grid, cv=3, n_jobs=-1).fit(POLARITY, LABELS)
    np.testing.assert_allclose(
        distributed_search.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )


def test_rejects_other_collections():
    with pytest.raises(TypeError, match="must be a dask.dataframe.Series or a dask.bag.Bag"):
        transform_partitions(GloveVectorizer().fit(["a"]), ["a list"])
