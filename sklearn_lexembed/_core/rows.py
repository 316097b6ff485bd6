"""Unit-normalised rows, dense or sparse: the one normaliser of the package.

Dense norms are computed in float64 whatever the input dtype, so a float32 row is scaled by
its correctly rounded norm (sparse rows: see the comment in :func:`unit_rows`); a zero row
stays zero (never NaN).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["unit_rows"]


def unit_rows(X, dtype=np.float32):
    """Scale every row of ``X`` to unit L2 norm.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_rows, n_dims)
        The rows. A sparse matrix stays sparse (CSR).
    dtype : {np.float32, np.float64}, default=np.float32
        dtype of the result.

    Returns
    -------
    unit : ndarray or CSR matrix of shape (n_rows, n_dims)
        A new C-contiguous array (or CSR matrix) of ``dtype``; a zero row stays zero.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lexembed._core.rows import unit_rows
    >>> unit_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    array([[0.6, 0.8],
           [0. , 0. ]], dtype=float32)
    """
    if sp.issparse(X):
        # Known limitation: sparse rows are squared in ``dtype`` (float32 by default), so entries
        # beyond ~1e19 overflow to a zero row; squaring in float64 changes the rounding that
        # exact sparse search relies on for a document's distance to itself to be 0.
        X = sp.csr_matrix(X, dtype=dtype, copy=True)
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1), dtype=np.float64).ravel())
        norms[norms == 0] = 1.0
        X.data /= np.repeat(norms, np.diff(X.indptr)).astype(dtype)
        return X
    X = np.asarray(X)
    norms = np.linalg.norm(X.astype(np.float64, copy=False), axis=-1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(X / norms, dtype=dtype)
