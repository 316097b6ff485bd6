"""Principal components of document vectors that arrive in blocks: ``n_components=``.

Every vectorizer's ``n_components`` projects its output on the top principal directions of the
training documents' vectors (as skrub's ``TextEncoder`` does with scikit-learn's PCA). The
corpus may stream, so the mean and the ``n_dims x n_dims`` scatter are accumulated in float64 a
block at a time and the components come from its eigendecomposition: the exact PCA of all the
rows (scikit-learn's ``svd_solver="covariance_eigh"``), in memory that does not grow with the
corpus.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from .compat import Interval

__all__ = ["N_COMPONENTS_CONSTRAINT", "StreamingPCA", "fix_signs", "project"]

N_COMPONENTS_CONSTRAINT = [Interval(Integral, 1, None, closed="left"), None]


def fix_signs(directions):
    """Flip each row of ``directions`` (in place) so its largest-magnitude entry is positive.

    An eigenvector's sign is arbitrary; scikit-learn's rule makes refits agree.
    """
    rows = np.arange(len(directions))
    directions *= np.sign(directions[rows, np.abs(directions).argmax(axis=1)])[:, None]
    return directions


class StreamingPCA:
    """Accumulates rows block by block, then gives their top principal components.

    Parameters
    ----------
    n_dims : int
        Width of the rows.
    """

    def __init__(self, n_dims):
        self.n_rows = 0
        self._sum = np.zeros(n_dims, dtype=np.float64)
        self._scatter = np.zeros((n_dims, n_dims), dtype=np.float64)

    def add(self, rows):
        """Accumulate a block of rows (array of shape ``(n, n_dims)``)."""
        rows = np.asarray(rows, dtype=np.float64)
        self.n_rows += len(rows)
        self._sum += rows.sum(axis=0)
        self._scatter += rows.T @ rows

    def top_uncentred_direction(self):
        """The top eigenvector of the uncentred scatter (the rows' first right singular
        vector, which SIF removes), sign fixed; None with fewer than two rows."""
        if self.n_rows < 2:
            return None
        direction = np.linalg.eigh(self._scatter)[1][:, -1]
        return fix_signs(direction[None])[0].astype(np.float32)

    def components(self, n_components):
        """The mean and the top ``n_components`` directions of the rows added so far.

        Parameters
        ----------
        n_components : int
            How many directions.

        Returns
        -------
        mean : ndarray of shape (n_dims,), dtype float32
        components : ndarray of shape (n_components, n_dims), dtype float32
            Unit rows, by decreasing variance; the largest-magnitude entry of each is positive
            (scikit-learn's sign rule), so refits agree.
        explained_variance_ratio : ndarray of shape (n_components,), dtype float64
            Share of the total variance along each direction.

        Raises
        ------
        ValueError
            When ``n_components`` exceeds the width of the rows or the number of rows.
        """
        n_dims = len(self._sum)
        if n_components > min(n_dims, self.n_rows):
            limit, what = (
                (n_dims, "dimensions of the vectors")
                if n_components > n_dims
                else (self.n_rows, "training documents")
            )
            raise ValueError(
                f"n_components={n_components} is larger than the {limit} {what}; choose "
                f"n_components <= {min(n_dims, self.n_rows)}, or None to keep the vectors as "
                "they are."
            )
        mean = self._sum / self.n_rows
        covariance = self._scatter / self.n_rows - np.outer(mean, mean)
        variances, vectors = np.linalg.eigh(covariance)
        order = np.argsort(variances)[::-1][:n_components]
        components = fix_signs(vectors[:, order].T)
        total = max(float(np.clip(variances, 0, None).sum()), np.finfo(np.float64).tiny)
        ratio = np.clip(variances[order], 0, None) / total
        return mean.astype(np.float32), components.astype(np.float32), ratio


def project(rows, mean, components):
    """Rows projected on fitted components: ``(rows - mean) @ components.T``, float32."""
    return ((rows - mean) @ components.T).astype(np.float32, copy=False)
