"""Hostile input: every text estimator returns a finite float32 row per document, in order,
or raises our error naming the index; never NaN, never a crash inside numpy or torch."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from _estimators import estimator_params
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sklearn_lexembed import CosineNeighbors

# Random and hostile text often has no token a static table knows: the zero-row warning that
# then comes is checked by test_a_zero_row_for_text_is_never_silent, and muted elsewhere.
pytestmark = pytest.mark.filterwarnings("ignore:.* documents have no token with a vector")

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


UNREPRESENTED = ["你好世界", "مرحبا", "😀😀", "привет мир", "", "  \t", "the film"]


def test_a_zero_row_for_text_is_never_silent(fitted):
    """Non-blank documents embedded as zero rows are counted in one warning per call."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = _check_rows(fitted, UNREPRESENTED)
    zero = [i for i, doc in enumerate(UNREPRESENTED) if doc.strip() and not out[i].any()]
    messages = [str(w.message) for w in caught if "no token with a vector" in str(w.message)]
    if zero:
        assert len(messages) == 1, messages
        assert messages[0].startswith(f"{len(zero)} of {len(UNREPRESENTED)} documents ")
        assert f"(the first at index {zero[0]}: " in messages[0]
    else:
        assert messages == []


SURROGATES = ["\ud800", "a\udfffb", "the \ud83d\ude00film x\udc80y", "\udfff the film"]


def test_lone_surrogates(fitted):
    """Lone surrogates (valid in a str, not in UTF-8) embed like the text around them."""
    out = _check_rows(fitted, SURROGATES)
    # Whether alone or among other documents.
    np.testing.assert_allclose(_check_rows(fitted, SURROGATES[1:2]), out[1:2], atol=1e-5)


def test_cosine_neighbors_over_an_encoder_takes_lone_surrogates(entry, fitted):
    index = CosineNeighbors(n_neighbors=2, encoder=fitted)
    index.fit(list(entry.X[:10]) + SURROGATES[1:])
    distances, neighbours = index.kneighbors(["a\udfffb", "the film\ud800"])
    assert neighbours.shape == (2, 2) and np.isfinite(distances).all()
    assert neighbours[0, 0] == 10  # "a\udfffb" itself


@pytest.mark.parametrize(
    "table, message",
    [
        (
            lambda texts: np.array(texts)[:, None],
            "Pass its single column: X[:, 0] or X.ravel().",
        ),
        (
            lambda texts: pd.DataFrame({"review": texts}),
            "Pass the column itself: df['review']",
        ),
    ],
    ids=["array-column", "one-column-frame"],
)
def test_a_single_column_table_is_refused_with_the_fix(entry, fitted, table, message):
    X = table(list(entry.X[:5]))
    with pytest.raises(ValueError, match=re.escape(message)):
        entry.factory().fit(X)
    with pytest.raises(ValueError, match=re.escape(message)):
        fitted.transform(X)


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
