"""The registry of public estimators that the shared test modules run over.

After scikit-learn's ``PER_ESTIMATOR_CHECK_PARAMS`` and ``PER_ESTIMATOR_XFAIL_CHECKS``
(``sklearn/utils/_test_common/instance_generator.py``): one entry per public estimator, carrying
everything the shared modules need to know about it, so that no test switches on which
estimator it holds. An estimator added to the package gets an entry here, and the shared
contract suite (``test_common.py``), the life-cycle, hostile-input and dask tests then cover it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from _tiny_teacher import tiny_teacher_folder

from sklearn_lexembed import (
    ContextualVectorizer,
    CosineNeighbors,
    DistilledVectorizer,
    GloveVectorizer,
    SkipGramVectorizer,
)
from sklearn_lexembed.datasets import load_polarity

POLARITY, POLARITY_LABELS = load_polarity()
# Every fifth polarity sentence: 40 documents, 20 of each label (the set is sorted by label).
TEXTS, LABELS = POLARITY[::5], POLARITY_LABELS[::5]
VECTORS = np.random.default_rng(0).normal(size=(40, 8)).astype(np.float32)
VECTOR_LABELS = np.arange(40) % 2


@dataclass(frozen=True, eq=False)
class Entry:
    """What the shared tests need to know about one estimator."""

    #: A fresh estimator in a small, fast configuration.
    factory: Callable[[], Any]
    #: Training input (documents or vectors) and labels for supervised pipelines.
    X: Any
    y: Any
    #: A small grid over the estimator's own parameters, for a GridSearchCV check.
    grid: dict[str, list]
    #: How far two transforms of the same rows by the same fitted estimator may differ when
    #: the rows are batched differently (order, batch mates, threads, dask partitions). 0 is
    #: bit-identical. A transformer's float rounding depends on the padded batch a document
    #: shares (issue 4 allows 1e-5).
    atol: float = 0.0
    #: How many documents a bulk test (the dask partitions) embeds: a transformer on two CPU
    #: cores embeds about 100 documents a second, a static table hundreds of thousands.
    bulk_documents: int = 20_000
    #: Parameters that make the fitted estimator cheap to send to other processes.
    shipping_params: dict[str, Any] = field(default_factory=dict)
    #: test name -> why this estimator is expected to fail it (a strict xfail).
    expected_failures: dict[str, str] = field(default_factory=dict)

    @property
    def takes_text(self):
        return self.X is TEXTS


REGISTRY = {
    "GloveVectorizer": Entry(
        factory=lambda: GloveVectorizer(),
        X=TEXTS,
        y=LABELS,
        grid={"pooling": ["mean", "sif"]},
        shipping_params={"persist": "reference"},  # by name, not the 80 MB table
    ),
    "SkipGramVectorizer": Entry(
        factory=lambda: SkipGramVectorizer(
            vector_size=16, min_count=1, epochs=2, random_state=0, n_jobs=1
        ),
        X=TEXTS,
        y=LABELS,
        grid={"window": [2, 5], "vector_size": [8, 16]},
    ),
    "ContextualVectorizer": Entry(
        factory=lambda: ContextualVectorizer(batch_size=8),
        X=TEXTS,
        y=LABELS,
        grid={"pooling": ["mean", "cls"]},
        atol=1e-5,
        bulk_documents=200,
    ),
    "DistilledVectorizer": Entry(
        # A tiny random BERT teacher (tests/_tiny_teacher.py): the contract, not the quality.
        factory=lambda: DistilledVectorizer(
            tiny_teacher_folder(), n_components=8, epochs=2, random_state=0, n_jobs=1
        ),
        X=TEXTS,
        y=LABELS,
        grid={"n_components": [4, 8], "corpus_training": [False, True]},
    ),
    "CosineNeighbors": Entry(
        factory=lambda: CosineNeighbors(n_neighbors=3),
        X=VECTORS,
        y=VECTOR_LABELS,
        grid={"n_neighbors": [2, 5]},
        expected_failures={
            "test_pandas_output": "its transform returns a sparse neighbours graph, which "
            "scikit-learn's set_output cannot turn into a DataFrame (as for "
            "KNeighborsTransformer)",
        },
    ),
}


def estimator_params(test=None, *, text_only=False):
    """``pytest.param`` per registry entry (id: the estimator's name), for ``parametrize``.

    An entry that lists ``test`` among its expected failures gets a strict xfail with the
    registry's reason: the test must fail for it, and a pass is reported as an error.
    """
    params = []
    for name, entry in REGISTRY.items():
        if text_only and not entry.takes_text:
            continue
        reason = entry.expected_failures.get(test)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(entry, id=name, marks=marks))
    return params
