"""Hostile input: every text estimator returns a finite float32 row per document, in order,
or raises our error naming the index; never NaN, never a crash inside numpy or torch."""

import re

import numpy as np
import pandas as pd
import pytest
from _estimators import estimator_params
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NASTY = [
    "😀🚀 emoji only",
    "مرحبا بالعالم",  # right-to-left
    "zero\u200bwidth\u200djoiners\ufeff",
    "control\x00\x01\x1b[31m chars",
    "combining e\u0301\u0301\u0301 marks",
    "",
    "   \t\n  ",
    "a" * 5000,
    "the " * 2000,
]


@pytest.fixture(scope="module", params=estimator_params(text_only=True))
def entry(request):
    return request.param


@pytest.fixture(scope="module")
def fitted(entry):
    return entry.factory().fit(entry.X)


def _check_rows(fitted, documents):
    out = np.asarray(fitted.transform(documents))
    assert out.shape == (len(documents), len(fitted.get_feature_names_out()))
    assert out.dtype == np.float32
    assert np.isfinite(out).all()
    return out


def test_nasty_unicode_and_long_documents(fitted):
    _check_rows(fitted, NASTY)


def test_many_empty_documents(entry, fitted):
    out = _check_rows(fitted, [""] * 500)
    # A transformer's last, smaller batch may round differently (the registry's atol).
    np.testing.assert_allclose(out, np.repeat(out[:1], 500, axis=0), rtol=0, atol=entry.atol)


def test_rows_follow_input_order(entry, fitted):
    documents = NASTY + entry.X[:10]
    out = _check_rows(fitted, documents)
    permutation = np.random.default_rng(0).permutation(len(documents))
    shuffled = _check_rows(fitted, [documents[i] for i in permutation])
    np.testing.assert_allclose(shuffled, out[permutation], rtol=0, atol=entry.atol)


def test_a_megabyte_document(entry, fitted):
    words = entry.X[0].split()
    text = " ".join(words[i % len(words)] for i in range(200_000))[:1_000_000]
    _check_rows(fitted, [text])


@pytest.mark.parametrize(
    "documents, error, message",
    [
        (["fine", 7, "x"], TypeError, "Document at index 1 has type int; expected str."),
        (
            np.array(["a", np.nan], dtype=object),
            ValueError,
            "Document at index 1 is NaN (a missing value); expected str.",
        ),
        (
            pd.Series(["a", "b", None], dtype=object),
            ValueError,
            "Document at index 2 is None; expected str.",
        ),
        (["ok", b"bytes"], TypeError, "Document at index 1 is bytes; expected str."),
    ],
)
def test_mixed_types_name_the_index(fitted, documents, error, message):
    with pytest.raises(error, match=re.escape(message)):
        fitted.transform(documents)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.text(max_size=200), max_size=12))
def test_arbitrary_unicode(fitted, documents):
    _check_rows(fitted, documents)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.one_of(st.text(max_size=20), st.none(), st.integers(), st.floats()),
        min_size=1,
        max_size=8,
    )
)
def test_mixed_lists_either_embed_or_name_the_first_bad_index(fitted, documents):
    bad = [i for i, d in enumerate(documents) if not isinstance(d, str)]
    if not bad:
        _check_rows(fitted, documents)
        return
    with pytest.raises((TypeError, ValueError), match=f"Document at index {bad[0]} "):
        fitted.transform(documents)
