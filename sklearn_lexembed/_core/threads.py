"""The one ``n_jobs`` rule of the package, and the one way to run torch on that many threads.

``n_jobs`` means what scikit-learn's glossary says, for every estimator: ``None`` is 1 unless
the call runs inside a :func:`joblib.parallel_config` (or ``parallel_backend``) context that
sets ``n_jobs``; ``-1`` is every core; ``-2`` all but one, and so on. The threads are the
estimator's compute threads, whichever library runs them (the numba kernel, torch, faiss,
hnswlib).
"""

from __future__ import annotations

from contextlib import contextmanager
from numbers import Integral

from joblib import effective_n_jobs

from .compat import Interval

__all__ = ["N_JOBS_CONSTRAINT", "effective_threads", "torch_threads"]

# The ``n_jobs`` entry of every estimator's ``_parameter_constraints``: 0 is refused in ``fit``.
N_JOBS_CONSTRAINT = [
    Interval(Integral, None, -1, closed="right"),
    Interval(Integral, 1, None, closed="left"),
    None,
]


def effective_threads(n_jobs):
    """Number of threads an ``n_jobs`` parameter asks for.

    Parameters
    ----------
    n_jobs : int or None
        The estimator's parameter.

    Returns
    -------
    n_threads : int
        At least 1.

    Raises
    ------
    ValueError
        If ``n_jobs`` is 0 or not an int.
    """
    if n_jobs is not None and (not isinstance(n_jobs, Integral) or isinstance(n_jobs, bool)):
        raise ValueError(f"n_jobs must be an int or None; got {n_jobs!r}.")
    if n_jobs == 0:
        raise ValueError("n_jobs=0 asks for no thread; use None or 1 (one thread), or -1 (all).")
    return max(1, int(effective_n_jobs(n_jobs)))


@contextmanager
def torch_threads(n_threads):
    """Run torch's CPU operations on ``n_threads`` threads, restoring the setting afterwards.

    Parameters
    ----------
    n_threads : int
        From :func:`effective_threads`.
    """
    import torch

    previous = torch.get_num_threads()
    if previous == n_threads:
        yield
        return
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
