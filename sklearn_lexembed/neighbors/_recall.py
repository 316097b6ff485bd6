"""Recall of approximate neighbours: its measurement, its confidence interval, and the search
for the cheapest query setting that reaches a target.

Recall@k is the share of the true ``k`` nearest neighbours that a search returns. A returned
row counts when its exact similarity is at least the true ``k``-th one, less ``1e-6``, so an
index that returns another of several rows tied at the ``k``-th distance is not penalised (as
ann-benchmarks counts, with a tolerance at float32 precision: vectors normalised in another
order round differently, by about 1e-7).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["RecallEstimate", "per_query_recall", "recall_estimate", "smallest_setting"]

# Two-sided 95% normal quantile.
_Z = 1.959963984540054
# Slack on the k-th similarity when counting hits: float32 precision of unit vectors.
_TIE = 1e-6


class RecallEstimate(NamedTuple):
    """A measured recall@k with its 95% confidence interval.

    Attributes
    ----------
    recall : float
        Mean share of the true ``n_neighbors`` nearest neighbours found per query.
    low, high : float
        Bounds of the 95% confidence interval of the recall that queries like these get.
    n_queries : int
        Queries measured.
    n_neighbors : int
        The ``k`` of recall@k.
    """

    recall: float
    low: float
    high: float
    n_queries: int
    n_neighbors: int


def per_query_recall(found_similarities, exact_similarities):
    """Share of each query's true neighbours found, from exactly rescored similarities.

    Parameters
    ----------
    found_similarities : ndarray of shape (n_queries, k)
        Exact (float64) similarities of the rows a search returned; ``-inf`` for a missing row.
    exact_similarities : ndarray of shape (n_queries, k)
        The true ``k`` best similarities per query, best first.

    Returns
    -------
    recall : ndarray of shape (n_queries,)
    """
    kth = exact_similarities[:, -1:]
    hits = (found_similarities >= kth - _TIE).sum(axis=1)
    return np.minimum(hits, exact_similarities.shape[1]) / exact_similarities.shape[1]


def recall_estimate(recalls, n_neighbors):
    """Mean recall and a 95% Wilson interval, widened for hits that cluster by query.

    The ``n_queries x k`` neighbour hits are not independent: a query the index serves
    badly misses several. The interval is Wilson's for a proportion, on the effective sample
    size ``n_queries x k / design_effect``, where the design effect is the observed variance
    of the per-query recalls over the variance they would have were the hits independent
    (at least 1). Unlike a normal interval it does not shrink to a point when every query
    scores 1.
    """
    recalls = np.asarray(recalls, dtype=np.float64)
    n, k = len(recalls), int(n_neighbors)
    p = float(recalls.mean())
    independent = p * (1.0 - p) / k
    observed = float(recalls.var(ddof=1)) if n > 1 else 0.0
    design_effect = max(1.0, observed / independent) if independent > 0 else 1.0
    trials = n * k / design_effect
    z2 = _Z * _Z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = _Z * np.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    return RecallEstimate(p, float(max(0.0, centre - half)), float(min(1.0, centre + half)), n, k)


def smallest_setting(measure, target, low, high):
    """The smallest integer setting in ``[low, high]`` whose recall interval clears ``target``.

    ``measure(setting)`` returns a :class:`RecallEstimate`; a setting passes when its lower
    bound is at least ``target``. Recall grows with the search effort, so the search doubles
    from ``low`` until a setting passes, then bisects between the last failure and the first
    pass: the answer passes and the setting one below it was measured to fail.

    Returns
    -------
    setting : int
        The chosen setting, or ``high`` when even ``high`` fails.
    estimate : RecallEstimate
        Its measured recall.
    reached : bool
        Whether the chosen setting passes.
    """
    measured = {}

    def passes(setting):
        if setting not in measured:
            measured[setting] = measure(setting)
        return measured[setting].low >= target

    if passes(low):
        return low, measured[low], True
    failing, trial = low, low
    while True:
        trial = min(high, max(trial + 1, 2 * trial))
        if passes(trial):
            break
        if trial == high:
            return high, measured[high], False
        failing = trial
    passing = trial
    while passing - failing > 1:
        middle = (failing + passing) // 2
        if passes(middle):
            passing = middle
        else:
            failing = middle
    return passing, measured[passing], True
