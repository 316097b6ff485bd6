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
