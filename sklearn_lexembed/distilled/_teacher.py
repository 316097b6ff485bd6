"""The teacher: a fitted ContextualVectorizer, and the rows it gives each token.

A token's distilled row is the teacher's pooled output for the token alone, ``[CLS] token
[SEP]`` (model2vec's rule): exactly what ``ContextualVectorizer.transform`` returns for a text
that tokenises to that one token. The teacher runs on whichever backend it was given (torch on
any device, ONNX int8...), so distillation is as fast as its inference.
"""

from __future__ import annotations

import hashlib
import os

import numpy as np
from sklearn.base import clone

from .._core.cache import cached
from ..contextual import ContextualVectorizer

__all__ = ["distill_rows", "fitted_teacher", "vocabulary_rows"]


def fitted_teacher(teacher, device, n_jobs, verbose):
    """A fitted copy of ``teacher`` whose raw (unprojected, unnormalised) output is used.

    Parameters
    ----------
    teacher : None, str, path-like or ContextualVectorizer
        None is the bundled all-MiniLM-L6-v2; a name or folder builds a ContextualVectorizer
        on ``device`` with ``n_jobs`` threads; an instance is cloned and keeps its own
        settings (backend, batch size, cache, device).
    device, n_jobs, verbose
        The distilling estimator's settings, for a teacher it builds.

    Returns
    -------
    teacher : ContextualVectorizer
        Fitted.
    """
    if isinstance(teacher, ContextualVectorizer):
        # Its own projection would put the targets in another space than the token rows.
        model = clone(teacher).set_params(n_components=None, normalize=False)
    elif teacher is None or isinstance(teacher, (str, os.PathLike)):
        extra = {} if teacher is None else {"model_name": teacher}
        model = ContextualVectorizer(
            device=device, n_jobs=n_jobs, verbose=verbose, batch_size=256, **extra
        )
    else:
        raise TypeError(
            "teacher must be None, a model name or folder, or a ContextualVectorizer; got "
            f"{type(teacher).__name__}."
        )
    # The static vector averages every token of a document, so the target must cover them all.
    return model.set_params(long_text="chunk").fit([""])


def distill_rows(teacher, pieces):
    """The teacher's pooled vector of each token-id sequence, alone between special tokens.

    Parameters
    ----------
    teacher : ContextualVectorizer
        Fitted.
    pieces : list of list of int
        Token ids of each entry (one id for a vocabulary token, several for an added word).

    Returns
    -------
    rows : ndarray of shape (len(pieces), n_dims), dtype float32
    """
    loaded = teacher._model()
    sequences = [loaded.prefix + list(ids) + loaded.suffix for ids in pieces]
    return np.asarray(teacher._pool_sequences(sequences), dtype=np.float32)


def vocabulary_rows(teacher, token_ids):
    """:func:`distill_rows` of single tokens, kept in the per-process cache.

    The rows depend only on the teacher's files and settings and on the tokens, not on the
    corpus, so the clones of a grid search (over ``n_components``, ``corpus_training``...)
    distil the vocabulary once. The array is read-only: it is shared.

    Parameters
    ----------
    teacher : ContextualVectorizer
        Fitted.
    token_ids : list of int

    Returns
    -------
    rows : ndarray of shape (len(token_ids), n_dims), dtype float32
    """
    digest = hashlib.sha256(np.asarray(token_ids, dtype=np.int64).tobytes()).hexdigest()
    key = ("distilled rows", *teacher._output_settings(teacher.__dict__), digest)

    def distil():
        rows = distill_rows(teacher, [[token_id] for token_id in token_ids])
        rows.flags.writeable = False
        return rows

    return cached(key, distil)
