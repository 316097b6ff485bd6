"""Cosine nearest neighbours: the estimator, exact search, and approximate (ANN) backends.

A new ANN backend is one class in ``_ann`` with ``build``, ``search`` and byte pickling,
registered in ``ANN_BACKENDS``.
"""

from ._cosine import CosineNeighbors

__all__ = ["CosineNeighbors"]
