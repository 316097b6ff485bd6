import re

import numpy as np
import pandas as pd
import pytest

from sklearn_lexembed._core.validation import check_documents, iter_documents

DOCS = ["first document", "", "third one"]


@pytest.mark.parametrize(
    "container",
    [
        DOCS,
        tuple(DOCS),
        np.array(DOCS),
        np.array(DOCS, dtype=object),
        pd.Series(DOCS),
        (d for d in DOCS),
    ],
    ids=["list", "tuple", "unicode-array", "object-array", "series", "generator"],
)
def test_accepts_one_dimensional_collections(container):
    assert check_documents(container) == DOCS


def test_empty_collection_and_empty_string_are_valid():
    assert check_documents([]) == []
    assert check_documents([""]) == [""]


@pytest.mark.parametrize(
    "bad, error, message",
    [
        ("a single text", TypeError, "got a single str. Wrap it in a list: [text]."),
        (b"bytes", TypeError, "got bytes."),
        (None, TypeError, "got None."),
        (42, TypeError, "got int."),
        (np.array([["a", "b"], ["c", "d"]]), ValueError, "got an array with shape (2, 2)."),
        (pd.DataFrame({"a": ["x"], "b": ["y"]}), ValueError, "got a DataFrame with shape (1, 2)"),
    ],
)
def test_rejects_bad_containers(bad, error, message):
    with pytest.raises(error, match=re.escape(message)):
        check_documents(bad)


@pytest.mark.parametrize(
    "bad_item, error, message",
    [
        (None, ValueError, "Document at index 2 is None; expected str."),
        (float("nan"), ValueError, "Document at index 2 is NaN (a missing value); expected str."),
        (pd.NA, ValueError, "Document at index 2 is a missing value (<NA>); expected str."),
        (3, TypeError, "Document at index 2 has type int; expected str."),
        (b"raw", TypeError, "Document at index 2 is bytes; expected str."),
        (["nested"], TypeError, "Document at index 2 has type list; expected str."),
    ],
)
def test_names_the_first_bad_document(bad_item, error, message):
    docs = ["ok", "fine", bad_item, None]
    with pytest.raises(error, match=re.escape(message)):
        check_documents(docs)
    with pytest.raises(error, match=re.escape(message)):
        check_documents(np.array(docs, dtype=object))
    with pytest.raises(error, match=re.escape(message)):
        list(iter_documents(iter(docs)))


def test_series_with_none_names_its_position_not_its_label():
    # pandas may store the missing value as None or NaN depending on its string dtype.
    series = pd.Series(["a", None], index=[10, 20])
    with pytest.raises(ValueError, match=r"Document at index 1 is (None|NaN)"):
        check_documents(series)


def test_iter_documents_is_lazy():
    stream = iter_documents(iter(["a", 5]))
    assert next(stream) == "a"
    with pytest.raises(TypeError, match="index 1"):
        next(stream)


# scikit-learn's text vectorizers take neither form: a 2-D array fails on its first row
# ("'numpy.ndarray' object has no attribute 'lower'") and a DataFrame is iterated as its
# column names (a vocabulary of one word, 'text'). Both are refused, with the fix.
@pytest.mark.parametrize(
    "bad, message",
    [
        (
            np.array([["first document"], ["third one"]]),
            "got an array with shape (2, 1). Pass its single column: X[:, 0] or X.ravel().",
        ),
        (
            np.array([["first document"], ["third one"]], dtype=object),
            "got an array with shape (2, 1). Pass its single column: X[:, 0] or X.ravel().",
        ),
        (
            np.array([["first document", "third one"]]),
            "got an array with shape (1, 2). Pass its single row: X[0] or X.ravel().",
        ),
        (
            pd.DataFrame({"text": ["first document", "third one"]}),
            "got a DataFrame with one column 'text', shape (2, 1). Pass the column itself: "
            "df['text'] (in a ColumnTransformer, name it as a scalar, 'text', not ['text']).",
        ),
    ],
    ids=["unicode-column", "object-column", "one-row", "one-column-frame"],
)
def test_single_column_tables_are_refused_with_the_fix(bad, message):
    for check in (check_documents, lambda X: list(iter_documents(X))):
        with pytest.raises(ValueError, match=re.escape(message)):
            check(bad)
    # The advice works.
    fixed = bad["text"] if isinstance(bad, pd.DataFrame) else bad.ravel()
    assert check_documents(fixed) == ["first document", "third one"]


def test_rows_holding_one_text_get_the_fix():
    message = (
        "Document at index 0 has type list; expected str. Each document is a row holding one "
        "text: pass the texts themselves, e.g. [row[0] for row in X]."
    )
    with pytest.raises(TypeError, match=re.escape(message)):
        check_documents([["first document"], ["third one"]])
    # Any other list keeps the plain message.
    with pytest.raises(TypeError, match=re.escape("has type list; expected str.") + "$"):
        check_documents([["a", "b"]])
