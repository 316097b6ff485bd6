"""One scikit-learn contract suite, run over every public estimator.

scikit-learn's own ``check_estimator`` skips estimators that take raw strings, so the text
estimators are held to the contract here; ``CosineNeighbors`` also passes
``parametrize_with_checks`` in its own module. Expected deviations are listed next to their
reason in ``EXPECTED_FAILURES``.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from _estimators import TEXTS, estimator_cases
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

CASES = estimator_cases()
IDS = [case[0] for case in CASES]

# check name -> {estimator: reason}
EXPECTED_FAILURES = {
    "pandas_output": {
        "CosineNeighbors": "its transform returns a sparse neighbours graph, which scikit-learn's "
        "set_output cannot turn into a DataFrame (as for KNeighborsTransformer)",
    },
    "float32_output": {
        "CosineNeighbors": "its transform is a sparse distance graph; distances are float32 "
        "only when the input is",
    },
}


def _skip_if_expected(check, name):
    reason = EXPECTED_FAILURES.get(check, {}).get(name)
    if reason:
        pytest.skip(f"expected: {reason}")


def _dense(output):
    return output.toarray() if sp.issparse(output) else np.asarray(output)


@pytest.fixture(scope="module", params=CASES, ids=IDS)
def case(request):
    name, factory, data = request.param
    return name, factory, data, factory().fit(data)


def test_init_stores_parameters_only(case):
    _, factory, _, _ = case
    estimator = factory()
    params = estimator.get_params(deep=False)
    assert set(vars(estimator)) == set(params)
    for key, value in params.items():
        assert getattr(estimator, key) is value


def test_params_and_clone_round_trip(case):
    _, factory, _, fitted = case
    copy = clone(fitted)
    assert copy.get_params(deep=False).keys() == fitted.get_params(deep=False).keys()
    assert not [k for k in vars(copy) if k.endswith("_") and not k.startswith("__")]
    copy.set_params(**fitted.get_params(deep=False))
    assert repr(copy) == repr(fitted)


def test_fit_returns_self(case):
    _, factory, data, _ = case
    estimator = factory()
    assert estimator.fit(data) is estimator


def test_transform_before_fit_raises(case):
    _, factory, data, _ = case
    with pytest.raises(NotFittedError):
        factory().transform(data)


def test_refit_is_reproducible(case):
    _, factory, data, fitted = case
    np.testing.assert_array_equal(
        _dense(factory().fit(data).transform(data)), _dense(fitted.transform(data))
    )


def test_feature_names_match_output_width(case):
    _, _, data, fitted = case
    assert len(fitted.get_feature_names_out()) == fitted.transform(data).shape[1]


def test_pandas_output(case):
    name, factory, data, _ = case
    _skip_if_expected("pandas_output", name)
    estimator = factory().set_output(transform="pandas").fit(data)
    frame = estimator.transform(data)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == list(estimator.get_feature_names_out())


def test_float32_output(case):
    name, _, data, fitted = case
    _skip_if_expected("float32_output", name)
    assert fitted.transform(data).dtype == np.float32


def test_pickle_round_trip(case):
    _, _, data, fitted = case
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(_dense(restored.transform(data)), _dense(fitted.transform(data)))


def test_skops_round_trip_trusts_only_our_types(case, tmp_path):
    sio = pytest.importorskip("skops.io")
    _, _, data, fitted = case
    path = tmp_path / "model.skops"
    sio.dump(fitted, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert all(t.startswith("sklearn_lexembed.") for t in untrusted), untrusted
    restored = sio.load(path, trusted=untrusted)
    np.testing.assert_array_equal(_dense(restored.transform(data)), _dense(fitted.transform(data)))


def test_text_estimators_declare_string_input(case):
    name, _, data, fitted = case
    tags = fitted.__sklearn_tags__()
    assert tags.input_tags.string == (data is TEXTS), name
