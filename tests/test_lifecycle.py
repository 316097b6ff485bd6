"""The scikit-learn life cycle: grid search across processes, composition, persistence."""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pandas as pd
import pytest
from _estimators import estimator_params
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_lexembed import GloveVectorizer
from sklearn_lexembed._core.cache import cache_info
from sklearn_lexembed.datasets import load_polarity

POLARITY, LABELS = load_polarity()
TEXT_ESTIMATORS = estimator_params(text_only=True)


def _pipeline(entry):
    return Pipeline([("emb", entry.factory()), ("clf", LogisticRegression(max_iter=300))])


@pytest.mark.slow
@pytest.mark.parametrize("entry", TEXT_ESTIMATORS)
def test_grid_search_in_processes_equals_serial(entry):
    grid = {f"emb__{key}": values for key, values in entry.grid.items()}
    serial = GridSearchCV(_pipeline(entry), grid, cv=2, n_jobs=1).fit(entry.X, entry.y)
    parallel = GridSearchCV(_pipeline(entry), grid, cv=2, n_jobs=2).fit(entry.X, entry.y)
    np.testing.assert_array_equal(
        parallel.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )


def test_grid_over_a_pretrained_model_loads_it_once():
    GloveVectorizer().fit(["warm"])  # whatever loaded before, the default is now cached
    before = cache_info()
    pipeline = Pipeline([("emb", GloveVectorizer()), ("clf", LogisticRegression(max_iter=300))])
    search = GridSearchCV(pipeline, {"emb__pooling": ["mean", "max", "sif"]}, cv=3)
    search.fit(POLARITY, LABELS)
    after = cache_info()
    # 3 candidates x 3 folds + the refit = 10 fits, all served from the cache.
    assert after["loads"] == before["loads"]
    assert after["hits"] - before["hits"] == 10


def test_column_transformer_embeds_a_text_column_next_to_numbers():
    frame = pd.DataFrame(
        {
            "review": POLARITY,
            "length": [len(t) for t in POLARITY],
            "exclamations": [t.count("!") for t in POLARITY],
        }
    )
    columns = ColumnTransformer(
        [
            ("text", GloveVectorizer(), "review"),
            ("numbers", StandardScaler(), ["length", "exclamations"]),
        ]
    )
    model = Pipeline([("features", columns), ("clf", LogisticRegression(max_iter=500))])
    model.fit(frame, LABELS)
    features = columns.transform(frame)
    assert features.shape == (200, 52)
    names = columns.get_feature_names_out()
    assert names[0] == "text__glovevectorizer0" and names[-1] == "numbers__exclamations"
    assert model.score(frame, LABELS) > 0.6


@pytest.mark.slow
@pytest.mark.parametrize("entry", TEXT_ESTIMATORS)
def test_joblib_pipeline_loads_identically_in_a_fresh_process(entry, tmp_path):
    texts = entry.X
    pipeline = _pipeline(entry).fit(texts, entry.y)
    path = tmp_path / "pipeline.joblib"
    joblib.dump(pipeline, path)
    script = (
        "import joblib, sys, numpy as np;"
        f"p = joblib.load({str(path)!r});"
        f"np.save(sys.argv[1], p.predict_proba({list(texts)!r}))"
    )
    out = tmp_path / "proba.npy"
    subprocess.run([sys.executable, "-c", script, str(out)], check=True)
    np.testing.assert_array_equal(np.load(out), pipeline.predict_proba(texts))


def test_clone_of_a_fitted_vectorizer_in_a_grid_keeps_params():
    fitted = GloveVectorizer(pooling="max").fit(POLARITY)
    assert clone(fitted).get_params() == fitted.get_params()


@pytest.mark.parametrize("entry", TEXT_ESTIMATORS)
def test_four_threads_transforming_at_once_match_serial_calls(entry):
    fitted = entry.factory().fit(entry.X)
    # Overlapping slices, so threads compose the same unseen words and share caches at once.
    docs = entry.X
    slices = [list(docs[i : i + 20]) + [f"unseenword{i} {docs[i]}"] for i in (0, 5, 10, 15)]
    serial = [fitted.transform(texts) for texts in slices]
    fresh = entry.factory().fit(entry.X)
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent = list(pool.map(fresh.transform, slices))
    for got, expected in zip(concurrent, serial):
        np.testing.assert_allclose(got, expected, rtol=0, atol=entry.atol)
