"""One scikit-learn contract suite, run over every public estimator.

scikit-learn's own ``check_estimator`` skips estimators that take raw strings, so the text
estimators are held to the contract here; ``CosineNeighbors`` also passes
``parametrize_with_checks`` in its own module. Each test runs over the registry of
``_estimators.py``; an estimator's expected failures are listed there, next to their reason, and
run here as strict xfails (they must fail).
"""

from __future__ import annotations

import inspect
import itertools
import pickle
import sys

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from _estimators import REGISTRY, estimator_params
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, ParameterGrid
from sklearn.pipeline import Pipeline

import sklearn_lexembed


def over_registry(test):
    """Run ``test`` once per registry entry; the entries that expect it to fail xfail strictly.

    The parameter is module-scoped, so the ``fitted`` fixture fits each estimator once here.
    """
    return pytest.mark.parametrize("entry", estimator_params(test.__name__), scope="module")(test)


def _dense(output):
    return output.toarray() if sp.issparse(output) else np.asarray(output)


@pytest.fixture(scope="module")
def fitted(entry):
    return entry.factory().fit(entry.X)


def test_registry_lists_every_public_estimator():
    public = {
        name
        for name in sklearn_lexembed.__all__
        if inspect.isclass(getattr(sklearn_lexembed, name))
        and hasattr(getattr(sklearn_lexembed, name), "fit")
    }
    assert set(REGISTRY) == public
    tests = {name for name, _ in inspect.getmembers(sys.modules[__name__], inspect.isfunction)}
    for name, entry in REGISTRY.items():
        assert isinstance(entry.factory(), getattr(sklearn_lexembed, name))
        unknown = set(entry.expected_failures) - tests
        assert not unknown, f"{name} expects failures of tests that do not exist: {unknown}"


@over_registry
def test_init_stores_parameters_only(entry):
    estimator = entry.factory()
    params = estimator.get_params(deep=False)
    assert set(vars(estimator)) == set(params)
    for key, value in params.items():
        assert getattr(estimator, key) is value


@over_registry
def test_params_and_clone_round_trip(entry, fitted):
    copy = clone(fitted)
    assert copy.get_params(deep=False).keys() == fitted.get_params(deep=False).keys()
    assert not [k for k in vars(copy) if k.endswith("_") and not k.startswith("__")]
    copy.set_params(**fitted.get_params(deep=False))
    assert repr(copy) == repr(fitted)


@over_registry
def test_fit_returns_self(entry):
    estimator = entry.factory()
    assert estimator.fit(entry.X) is estimator


@over_registry
def test_transform_before_fit_raises(entry):
    with pytest.raises(NotFittedError):
        entry.factory().transform(entry.X)


@over_registry
def test_refit_is_reproducible(entry, fitted):
    np.testing.assert_allclose(
        _dense(entry.factory().fit(entry.X).transform(entry.X)),
        _dense(fitted.transform(entry.X)),
        rtol=0,
        atol=entry.atol,
    )


@over_registry
def test_feature_names_match_output_width(entry, fitted):
    assert len(fitted.get_feature_names_out()) == fitted.transform(entry.X).shape[1]


@over_registry
def test_pandas_output(entry):
    estimator = entry.factory().set_output(transform="pandas").fit(entry.X)
    frame = estimator.transform(entry.X)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == list(estimator.get_feature_names_out())


@over_registry
def test_float32_output(entry, fitted):
    assert fitted.transform(entry.X).dtype == np.float32


@over_registry
def test_pickle_round_trip(entry, fitted):
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(
        _dense(restored.transform(entry.X)), _dense(fitted.transform(entry.X))
    )


@over_registry
def test_skops_round_trip_trusts_only_our_types(entry, fitted, tmp_path):
    sio = pytest.importorskip("skops.io")
    path = tmp_path / "model.skops"
    sio.dump(fitted, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert all(t.startswith("sklearn_lexembed.") for t in untrusted), untrusted
    restored = sio.load(path, trusted=untrusted)
    np.testing.assert_array_equal(
        _dense(restored.transform(entry.X)), _dense(fitted.transform(entry.X))
    )


@over_registry
def test_text_estimators_declare_string_input(entry, fitted):
    assert fitted.__sklearn_tags__().input_tags.string == entry.takes_text


@over_registry
def test_every_grid_candidate_changes_the_output(entry):
    """The registry's grid is one a search can tell apart: no candidate is silently ignored."""
    outputs = [
        _dense(clone(entry.factory()).set_params(**params).fit(entry.X).transform(entry.X))
        for params in ParameterGrid(entry.grid)
    ]
    for a, b in itertools.combinations(outputs, 2):
        assert a.shape != b.shape or np.abs(a - b).max() > 1e-4


@over_registry
def test_grid_search_in_a_pipeline(entry):
    pipeline = Pipeline([("est", entry.factory()), ("clf", LogisticRegression(max_iter=300))])
    grid = {f"est__{key}": values for key, values in entry.grid.items()}
    search = GridSearchCV(pipeline, grid, cv=2).fit(entry.X, entry.y)
    assert search.cv_results_["params"] == list(ParameterGrid(grid))
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    # The refitted pipeline carries the best candidate and predicts every document.
    best = search.best_estimator_.named_steps["est"].get_params()
    assert {f"est__{key}": best[key] for key in entry.grid} == search.best_params_
    assert search.predict(entry.X).shape == (len(entry.y),)
