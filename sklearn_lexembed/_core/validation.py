"""Documents in: checks that a collection of texts is a 1-D sequence of str.

Every error names the problem and the index of the first offending document, with one
wording per kind of error, produced here and nowhere else.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

import numpy as np

__all__ = ["check_document", "check_documents", "iter_documents", "reiterable_documents"]


def _describe_bad_document(doc, index):
    """Return the error for a document that is not a str, or None when it is a str."""
    if isinstance(doc, str):
        return None
    if doc is None:
        return ValueError(f"Document at index {index} is None; expected str.")
    if isinstance(doc, float) and math.isnan(doc):
        return ValueError(f"Document at index {index} is NaN (a missing value); expected str.")
    if _is_pandas_missing(doc):
        return ValueError(f"Document at index {index} is a missing value ({doc!r}); expected str.")
    if isinstance(doc, bytes | bytearray):
        return TypeError(
            f"Document at index {index} is bytes; expected str. Decode it first, "
            "e.g. doc.decode('utf-8')."
        )
    message = f"Document at index {index} has type {type(doc).__name__}; expected str."
    if _is_one_text_row(doc):
        # A list of rows, each holding one text: a table's column read row by row.
        message += " Each document is a row holding one text: pass the texts themselves, e.g. "
        message += "[row[0] for row in X]."
    return TypeError(message)


def _is_one_text_row(doc):
    try:
        return len(doc) == 1 and isinstance(doc[0], str)
    except (TypeError, KeyError, IndexError):
        return False


def _is_pandas_missing(value):
    # pandas.NA and NaT are not floats; checking their type name avoids importing pandas.
    return type(value).__name__ in {"NAType", "NaTType"}


def check_document(doc, index):
    """Return ``doc`` if it is a str, else raise the error that names ``index``.

    Parameters
    ----------
    doc : object
        The candidate document.
    index : int
        Its position in the collection, quoted in the error message.

    Returns
    -------
    doc : str
        The document, unchanged.
    """
    error = _describe_bad_document(doc, index)
    if error is not None:
        raise error
    return doc


def _check_container(X):
    """Reject containers that are not a 1-D collection of documents."""
    if isinstance(X, str):
        raise TypeError(
            "Expected an iterable of str documents, got a single str. Wrap it in a list: [text]."
        )
    if isinstance(X, bytes | bytearray):
        raise TypeError("Expected an iterable of str documents, got bytes.")
    if X is None:
        raise TypeError("Expected an iterable of str documents, got None.")
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) != 1:
        # scikit-learn's text vectorizers take neither: a 2-D array fails on its first row
        # ("'numpy.ndarray' object has no attribute 'lower'") and a DataFrame is iterated as
        # its column names, silently. Refuse both with the fix.
        shape = tuple(shape)
        if hasattr(X, "columns"):
            columns = list(X.columns)
            if len(columns) == 1:
                column = columns[0]
                raise ValueError(
                    f"Expected a 1-D collection of documents; got a DataFrame with one column "
                    f"{column!r}, shape {shape}. Pass the column itself: df[{column!r}] (in a "
                    f"ColumnTransformer, name it as a scalar, {column!r}, not [{column!r}])."
                )
            raise ValueError(
                f"Expected a 1-D collection of documents; got a DataFrame with shape {shape}. "
                "Select one text column (df['text']), or name a single column as a scalar "
                "in a ColumnTransformer."
            )
        advice = ""
        if len(shape) == 2 and shape[1] == 1:
            advice = " Pass its single column: X[:, 0] or X.ravel()."
        elif len(shape) == 2 and shape[0] == 1:
            advice = " Pass its single row: X[0] or X.ravel()."
        raise ValueError(
            f"Expected a 1-D collection of documents; got an array with shape {shape}.{advice}"
        )
    if not isinstance(X, Iterable):
        raise TypeError(f"Expected an iterable of str documents, got {type(X).__name__}.")


def check_documents(X):
    """Validate a collection of documents and return it as a list of str.

    Parameters
    ----------
    X : iterable of str
        A list, tuple, 1-D numpy array, pandas Series or any other iterable of str.
        An empty string is a valid document.

    Returns
    -------
    documents : list of str
        The documents in their original order.

    Raises
    ------
    TypeError
        If ``X`` is a bare str or bytes, or a document is not a str.
    ValueError
        If ``X`` is not one-dimensional, or a document is None or a missing value.
    """
    _check_container(X)
    if isinstance(X, np.ndarray) and X.dtype.kind == "U":
        return X.tolist()
    documents = X.tolist() if hasattr(X, "tolist") else list(X)
    for index, doc in enumerate(documents):
        if type(doc) is not str:
            check_document(doc, index)
    return documents


def iter_documents(X) -> Iterator[str]:
    """Yield the documents of ``X`` one at a time, validating each as it comes.

    Used by estimators that stream a corpus (they never hold it all in memory).

    Parameters
    ----------
    X : iterable of str
        The corpus.

    Yields
    ------
    doc : str
    """
    _check_container(X)
    for index, doc in enumerate(X):
        yield check_document(doc, index)


class _CheckedCorpus:
    """A re-iterable corpus whose every pass validates its documents as they stream."""

    def __init__(self, X):
        self._X = X

    def __iter__(self):
        return iter_documents(self._X)


def reiterable_documents(X, reason):
    """Wrap a corpus that is read several times, streaming and validating on every pass.

    Parameters
    ----------
    X : iterable of str
        A list, an array, or an object whose ``__iter__`` starts over.
    reason : str
        Why it is read more than once, quoted by the error for a one-shot iterator.

    Returns
    -------
    corpus : iterable of str
        Each ``iter(corpus)`` is a new validating pass over ``X``.

    Raises
    ------
    TypeError
        If ``X`` is a one-shot iterator (a generator, a file object), or not a collection of
        documents.
    """
    _check_container(X)
    # An Iterator's __iter__ returns itself: a second pass would silently see nothing.
    if isinstance(X, Iterator):
        raise TypeError(
            f"Expected a re-iterable collection of documents; got a one-shot iterator "
            f"({type(X).__name__}). {reason}: pass a list, or an object whose __iter__ returns "
            "a new iterator (for example a class that reopens a file)."
        )
    return _CheckedCorpus(X)
