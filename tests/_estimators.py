"""The registry of public estimators the shared test modules run over."""

import numpy as np

import sklearn_lexembed
from sklearn_lexembed.datasets import load_polarity

TEXTS, LABELS = load_polarity()
TEXTS = TEXTS[:40]
VECTORS = np.random.default_rng(0).normal(size=(40, 8)).astype(np.float32)


def estimator_cases():
    """(id, estimator factory, training input) for every public estimator that is present."""
    cases = [("GloveVectorizer", lambda: sklearn_lexembed.GloveVectorizer(), TEXTS)]
    if hasattr(sklearn_lexembed, "SkipGramVectorizer"):
        cases.append(
            (
                "SkipGramVectorizer",
                lambda: sklearn_lexembed.SkipGramVectorizer(
                    vector_size=16, min_count=1, epochs=2, random_state=0, n_jobs=1
                ),
                TEXTS,
            )
        )
    if hasattr(sklearn_lexembed, "ContextualVectorizer"):
        cases.append(
            (
                "ContextualVectorizer",
                lambda: sklearn_lexembed.ContextualVectorizer(batch_size=8),
                TEXTS,
            )
        )
    if hasattr(sklearn_lexembed, "CosineNeighbors"):
        cases.append(
            ("CosineNeighbors", lambda: sklearn_lexembed.CosineNeighbors(n_neighbors=3), VECTORS)
        )
    return cases
