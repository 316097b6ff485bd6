"""Exact cosine neighbours by blocked matrix products: top-k and radius search.

The index is L2-normalised once (float32, zero rows stay zero), so a cosine similarity is a dot
product. Queries go in blocks of ``batch_size``; for each block the index is walked in tiles
of ``_TILE`` rows, so the float32 score tile stays in cache and memory is bounded by the block,
never by ``n_queries x n_index``.

Exactness. The float32 product only *shortlists*: per query it keeps the ``k + _MARGIN`` best
scores, which are then recomputed in float64 and ordered by (distance, index). A float32 score
is within ``eps`` of the float64 one (a worst-case rounding bound, :func:`score_error_bound`),
so when the shortlist's lowest float32 score plus ``eps`` is still below the k-th float64 score,
no row outside it can belong to the top k; otherwise that query is redone from every row whose
float32 score is within ``eps`` of the k-th (ties between duplicates, zero vectors). The answer
is therefore the float64 ranking with ties broken by index, as scikit-learn's brute force on
float64 input gives it, whatever rounding the matrix product made. A sparse index is scored
in float64 by scipy, which is exact already, and selected from directly.

Selection. A partial sort of every score costs more than the product itself. Each score tile
is viewed as ``_GROUPS`` stacked slices and reduced by an elementwise maximum (one vectorised
pass, while the tile is in cache), leaving one maximum per "column" of ``_GROUPS`` rows. One
partial sort of those column maxima picks the ``m`` best columns, which hold the best ``m``
scores; their ``m x _GROUPS`` rows are scored again (a small batched product) and the best
``m`` kept. Every row left out scores at most the ``m``-th column maximum, which is the bound
the exactness check uses.

Everything is numpy and its BLAS: no torch. With one BLAS thread per query block, numpy
measured 0.3 to 1.2 times torch's time for the same tiles on this 2-core machine (200 to
400,000 rows, 50 and 384 dimensions, blocks of 16 to 256 queries; the largest index was a
tie), and importing torch cost the first query of a fresh process 1 to 1.5 s
(``benchmarks/bench_neighbors_memory.py``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._core.rows import unit_rows

__all__ = [
    "brute_kneighbors",
    "unit_queries",
    "map_blocks",
    "brute_radius_neighbors",
    "rank_candidates",
    "score_error_bound",
    "warm_up",
]

# Index rows per tile: the max-reduction reads each score tile while it is still in cache
# (a whole-row product then a partial sort measured 2-3x slower; tiles of 2048 to 16384 rows
# measured within this machine's noise of each other).
_TILE = 8192
# Slices per tile for the max-reduction before the partial sort (see the module docstring).
_GROUPS = 16
# Extra shortlisted candidates per query, beyond k, that absorb float32 rounding.
_MARGIN = 16
# Rows per chunk when a query is redone exactly against many candidates, and (query, row)
# pairs per chunk when radius hits are rescored: a chunk's float32 gather is 256 kB per dimension.
_RESCORE_CHUNK = 65536
# Bytes of temporaries per step of the selection that follows the tiles (see _shortlist).
_CHUNK_BYTES = 4 * 2**20
# Up to this many queries, one BLAS product scores every row at once on every thread (the
# real-time path); more go in blocks of tiles, one block per thread. On the 400,000 x 50
# GloVe matrix, 2 threads: 2.8 ms for one query against 7.2 through the tiles.
_FEW_QUERIES = 4


def _unit_rows64(X):
    return unit_rows(X.toarray() if sp.issparse(X) else X, dtype=np.float64)


# Queries normalised in float64 (dense), as the exact rescoring uses them.
unit_queries = _unit_rows64


def score_error_bound(n_features):
    """Largest gap between a float32 score and its float64 value, for unit vectors.

    Rounding each term and each partial sum of a length-``d`` dot product costs at most
    ``d * 2**-24`` relative to ``sum |q_i x_i| <= 1`` (any summation order); the query's own
    rounding to float32 adds one more unit. The products are numpy's BLAS in float32 (torch's
    ``set_float32_matmul_precision`` does not reach them).
    """
    return 1.01 * (n_features + 4) * 2.0**-24


def warm_up():
    """Do at fit (and at unpickling) what the first query would otherwise pay for.

    The BLAS thread controller inspects every loaded library once (about 10 ms).
    """
    _blas_controller()


# ----------------------------------------------------------------------------- top-k
def brute_kneighbors(index, queries, n_neighbors, *, batch_size, self_offset=None, n_threads=1):
    """Exact top-k cosine neighbours of every query.

    Parameters
    ----------
    index : ndarray of shape (n_index, d), float32 unit rows, or CSR matrix of unit rows
        From :func:`unit_rows`.
    queries : ndarray or sparse matrix of shape (n_queries, d)
        Raw query vectors (normalised here, in float64).
    n_neighbors : int
    batch_size : int
        Queries per block.
    self_offset : int or None
        When the queries are the index rows ``self_offset, self_offset + 1, ...``, each one's
        own row is excluded (``kneighbors(X=None)``).
    n_threads : int
        Worker threads, each searching whole query blocks (see :func:`map_blocks`).

    Returns
    -------
    similarities : ndarray of shape (n_queries, n_neighbors), float64
    indices : ndarray of shape (n_queries, n_neighbors), int64
        Best first; equal similarities in index order.
    """
    n_queries = queries.shape[0]
    if n_queries <= _FEW_QUERIES and not sp.issparse(index):
        # A real-time query: one BLAS product over the whole index on every thread.
        with _blas_limits(n_threads):
            return _kneighbors_block(index, queries, n_neighbors, self_offset, whole=True)
    sims = np.empty((n_queries, n_neighbors), dtype=np.float64)
    inds = np.empty((n_queries, n_neighbors), dtype=np.int64)

    def search(start, stop):
        offset = None if self_offset is None else self_offset + start
        sims[start:stop], inds[start:stop] = _kneighbors_block(
            index, queries[start:stop], n_neighbors, offset
        )

    map_blocks(search, n_queries, batch_size, n_threads)
    return sims, inds


def map_blocks(function, n_queries, batch_size, n_threads):
    """Call ``function(start, stop)`` over query blocks on ``n_threads`` threads.

    Each thread runs whole blocks with the BLAS limited to one thread (restored afterwards):
    independent workers keep going when the machine is busy, where the BLAS's own threads over
    many small products stall at every barrier.
    """
    from concurrent.futures import ThreadPoolExecutor

    n_threads = max(1, min(n_threads, -(-n_queries // max(1, min(batch_size, n_queries)))))
    size = max(1, min(batch_size, -(-n_queries // n_threads)))
    blocks = [(start, min(start + size, n_queries)) for start in range(0, n_queries, size)]
    with _blas_limits(1):
        if n_threads == 1:
            for start, stop in blocks:
                function(start, stop)
            return
        with ThreadPoolExecutor(n_threads) as pool:
            for future in [pool.submit(function, *block) for block in blocks]:
                future.result()


def _sparse_scores(index, queries):
    """float64 cosine similarities of a query block with a sparse index: (n_queries, n_index)."""
    from sklearn.preprocessing import normalize

    if sp.issparse(queries):
        unit = normalize(sp.csr_matrix(queries, dtype=np.float64))
    else:
        unit = _unit_rows64(queries)
    scores = index @ unit.T
    scores = scores.toarray() if sp.issparse(scores) else np.asarray(scores)
    return np.ascontiguousarray(scores.T, dtype=np.float64)


def _sparse_kneighbors_block(index, queries, k, self_offset):
    """Sparse products are exact in float64: select straight from the score rows."""
    scores = _sparse_scores(index, queries)
    _exclude_self(scores, self_offset, 0)
    m = min(k + _MARGIN, index.shape[0])
    candidates = np.argpartition(-scores, m - 1, axis=1)[:, :m]
    values = np.take_along_axis(scores, candidates, axis=1)
    order = _order(values, candidates)[:, :k]
    exact = np.take_along_axis(values, order, axis=1)
    best = np.take_along_axis(candidates, order, axis=1)
    if m < index.shape[0]:
        # Ties that reach past the shortlist (duplicates, zero vectors): sort the whole tie.
        for row in np.flatnonzero(values.min(axis=1) >= exact[:, -1]):
            tied = np.flatnonzero(scores[row] >= exact[row, -1])
            keep = _order(scores[row, tied][None], tied[None])[0][:k]
            exact[row], best[row] = scores[row, tied[keep]], tied[keep]
    return exact, best


def _kneighbors_block(index, queries, k, self_offset, whole=False):
    """Exact top-k of one query block; ``whole``: score every row in one product (a few
    queries, on the BLAS's threads), instead of cache-sized tiles."""
    if sp.issparse(index):
        return _sparse_kneighbors_block(index, queries, k, self_offset)
    q64 = _unit_rows64(queries)
    n_others = index.shape[0] - (self_offset is not None)
    m = min(k + _MARGIN, n_others)
    eps = score_error_bound(index.shape[1])
    tile = index.shape[0] if whole else _TILE
    _, candidates, rest = _shortlist(index, q64.astype(np.float32), m, self_offset, tile)
    exact = _rescore(index, q64, candidates, self_offset)
    order = _order(exact, candidates)
    exact = np.take_along_axis(exact, order, axis=1)[:, :k]
    candidates = np.take_along_axis(candidates, order, axis=1)[:, :k]
    if m < n_others:
        # Rows where something outside the shortlist could still tie or beat the k-th.
        unsure = np.flatnonzero(rest + eps >= exact[:, -1])
        for row in unsure:
            exact[row], candidates[row] = _redo_query(
                index,
                q64[row],
                k,
                exact[row, -1] - eps,
                None if self_offset is None else self_offset + row,
            )
    return exact, candidates


def rank_candidates(index, queries, candidates, self_offset=None, *, unit_queries=None):
    """Candidate rows (-1: none) rescored in float64 and ordered by (distance, index).

    ``unit_queries``, when given, is ``queries`` already normalised in float64.

    Returns
    -------
    similarities : ndarray of shape candidates.shape, float64 (-inf where the row is -1)
    indices : ndarray of shape candidates.shape, int64
    """
    q64 = _unit_rows64(queries) if unit_queries is None else unit_queries
    exact = _rescore(index, q64, np.where(candidates < 0, 0, candidates), self_offset)
    exact[candidates < 0] = -np.inf
    order = _order(exact, candidates)
    return (np.take_along_axis(exact, order, axis=1), np.take_along_axis(candidates, order, axis=1))


def _exclude_self(scores, self_offset, column_start, column_rows=None):
    """Set each query's own score to -inf in a score block.

    The block's columns are index rows ``column_start, column_start + 1, ...``, or, when
    ``column_rows`` is given, the index rows it lists per query.
    """
    if self_offset is None:
        return
    own = self_offset + np.arange(scores.shape[0])
    if column_rows is not None:
        scores[column_rows == own[:, None]] = -np.inf
        return
    rows = np.arange(scores.shape[0])
    columns = own - column_start
    keep = (columns >= 0) & (columns < scores.shape[1])
    if keep.any():
        scores[rows[keep], columns[keep]] = -np.inf


_BLAS_CONTROLLER = []


def _blas_controller():
    if not _BLAS_CONTROLLER:
        from threadpoolctl import ThreadpoolController

        _BLAS_CONTROLLER.append(ThreadpoolController())
    return _BLAS_CONTROLLER[0]


def _blas_limits(n_threads):
    """threadpoolctl's limit on the BLAS threads for the products (its controller made once)."""
    return _blas_controller().limit(limits=n_threads, user_api="blas")


def _score_tiles(index, queries, tile_rows, self_offset):
    """Yield ``(start, stop, scores)`` over tiles of index rows; ``scores`` is one reused
    (n_queries, tile_rows) float32 buffer, -inf past ``stop`` and at each query's own row."""
    n_index = index.shape[0]
    scores = np.empty((queries.shape[0], tile_rows), dtype=np.float32)
    for start in range(0, n_index, tile_rows):
        stop = min(start + tile_rows, n_index)
        if stop - start < tile_rows:
            scores[:, stop - start :] = -np.inf
        np.matmul(queries, index[start:stop].T, out=scores[:, : stop - start])
        _exclude_self(scores, self_offset, start)
        yield start, stop, scores


def _shortlist(index, queries, m, self_offset, tile=_TILE):
    """At least the best ``m`` float32 scores per query, their rows, and a bound on the rest.

    Returns (values, rows, rest): the best ``m`` scores and their rows (in no order), and an
    upper bound on the float32 score of every row left out. Memory: one ``(n_queries, tile)``
    float32 score tile, the ``(n_queries, n_index / _GROUPS)`` float32 column maxima, and
    ``_CHUNK_BYTES`` of temporaries.
    """
    n_index, n_queries = index.shape[0], queries.shape[0]
    tile_rows = -(-min(tile, n_index) // _GROUPS) * _GROUPS
    width = tile_rows // _GROUPS
    n_tiles = -(-n_index // tile_rows)
    # Column c of tile t covers rows t * tile_rows + g * width + c, g < _GROUPS; its maximum
    # bounds all of them.
    column_max = np.empty((n_queries, n_tiles, width), dtype=np.float32)
    for start, _, scores in _score_tiles(index, queries, tile_rows, self_offset):
        t = start // tile_rows
        np.max(scores.reshape(n_queries, _GROUPS, width), axis=1, out=column_max[:, t])
    column_max = column_max.reshape(n_queries, -1)
    n_columns = min(m, column_max.shape[1])
    # Queries per selection step: its temporaries (argpartition's int64 positions over every
    # column maximum, the gathered rows) stay within _CHUNK_BYTES, whatever the block size.
    per_query = max(column_max.shape[1] * 12, n_columns * _GROUPS * index.shape[1] * 4)
    step = max(1, _CHUNK_BYTES // per_query)
    values = np.empty((n_queries, m), dtype=np.float32)
    found = np.empty((n_queries, m), dtype=np.int64)
    rest = np.empty(n_queries, dtype=np.float32)
    groups = np.arange(_GROUPS) * width
    for s in range(0, n_queries, step):
        part = slice(s, s + step)
        maxima = column_max[part]
        columns = np.argpartition(maxima, maxima.shape[1] - n_columns, axis=1)[:, -n_columns:]
        tops = np.take_along_axis(maxima, columns, axis=1).min(axis=1)
        tile_of, within = np.divmod(columns, width)
        rows = ((tile_of * tile_rows + within)[:, :, None] + groups).reshape(len(tops), -1)
        valid = rows < n_index
        rows = np.where(valid, rows, 0)
        gathered = np.matmul(index[rows], queries[part, :, None])[:, :, 0]
        gathered[~valid] = -np.inf
        _exclude_self(gathered, None if self_offset is None else self_offset + s, 0, rows)
        best = np.argpartition(gathered, gathered.shape[1] - m, axis=1)[:, -m:]
        values[part] = np.take_along_axis(gathered, best, axis=1)
        found[part] = np.take_along_axis(rows, best, axis=1)
        low = values[part].min(axis=1)
        rest[part] = np.maximum(tops, low) if n_columns == m else low
    return values, found, rest


def _rescore(index, q64, candidates, self_offset):
    """float64 similarities of each query with its candidate rows of a dense index (own: -inf)."""
    # einsum casts the float32 rows to float64 as it goes: no float64 copy of the gather.
    exact = np.einsum("qcd,qd->qc", index[candidates], q64)
    if self_offset is not None:
        own = self_offset + np.arange(len(candidates))[:, None]
        exact[candidates == own] = -np.inf
    return exact


def _order(exact, candidates):
    """Per row: by similarity, best first, then by index."""
    return np.lexsort((candidates, -exact), axis=-1)


def _redo_query(index, q64, k, floor, own):
    """One query on a dense index, exactly: every row whose float32 score reaches ``floor``."""
    if not q64.any():
        # A zero query scores exactly 0 against every row: the first rows, in index order.
        rows = np.arange(min(k + 1, index.shape[0]))
        rows = rows[rows != own][:k]
        return np.zeros(len(rows)), rows
    approx = index @ q64.astype(np.float32)
    if own is not None:
        approx[own] = -np.inf
    candidates = np.flatnonzero(approx >= floor)
    exact = np.concatenate(
        [
            _rescore(index, q64[None], candidates[None, s : s + _RESCORE_CHUNK], None)[0]
            for s in range(0, len(candidates), _RESCORE_CHUNK)
        ]
    )
    if own is not None:
        exact[candidates == own] = -np.inf
    order = _order(exact[None], candidates[None])[0][:k]
    return exact[order], candidates[order]


# ---------------------------------------------------------------------------- radius
def brute_radius_neighbors(
    index, queries, radius, *, batch_size, self_offset=None, sort_results=False, n_threads=1
):
    """Every index row within cosine distance ``radius`` of each query.

    Parameters are as for :func:`brute_kneighbors`; ``radius`` is a distance (``1 - cos``).

    Returns
    -------
    similarities : list of ndarray, float64
    indices : list of ndarray, int64
        Per query; sorted by (distance, index) when ``sort_results``, else in index order.
    """
    n_queries = queries.shape[0]
    sims, inds = [None] * n_queries, [None] * n_queries

    def search(start, stop):
        offset = None if self_offset is None else self_offset + start
        sims[start:stop], inds[start:stop] = _radius_block(
            index, queries[start:stop], radius, offset, sort_results
        )

    map_blocks(search, n_queries, batch_size, n_threads)
    return sims, inds


def _radius_block(index, queries, radius, self_offset, sort_results):
    """Every row within ``radius`` of each query of a block: per query, similarities and rows.

    A dense index is walked in tiles, as for top-k: one ``(n_queries, _TILE)`` float32 score
    tile at a time, and the rows that pass it rescored in float64 in chunks of
    ``_RESCORE_CHUNK``; what is kept is what is returned (16 bytes per neighbour).
    """
    n_queries = queries.shape[0]
    if sp.issparse(index):
        scores = _sparse_scores(index, queries)
        _exclude_self(scores, self_offset, 0)
        rows, candidates = np.nonzero(scores >= 1.0 - radius - 1e-12)
        exact = scores[rows, candidates]
        del scores
    else:
        q64 = _unit_rows64(queries)
        q32 = q64.astype(np.float32)
        floor = 1.0 - radius - score_error_bound(index.shape[1])
        tile_rows = max(1, min(_TILE, index.shape[0]))
        parts = []
        for start, _, scores in _score_tiles(index, q32, tile_rows, self_offset):
            tile_queries, tile_rows_hit = np.nonzero(scores >= floor)
            tile_rows_hit += start
            for s in range(0, len(tile_queries), _RESCORE_CHUNK):
                chunk_q = tile_queries[s : s + _RESCORE_CHUNK]
                chunk_c = tile_rows_hit[s : s + _RESCORE_CHUNK]
                # einsum casts the float32 rows to float64 as it goes: no float64 gather.
                sims = np.einsum("cd,cd->c", index[chunk_c], q64[chunk_q])
                if self_offset is not None:
                    sims[chunk_c == self_offset + chunk_q] = -np.inf
                keep = 1.0 - sims <= radius
                parts.append((chunk_q[keep], chunk_c[keep], sims[keep]))
        if parts:
            rows, candidates, exact = (np.concatenate(p) for p in zip(*parts))
        else:
            rows, candidates, exact = np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0)
        del parts
        # Tiles come in index order and each tile's hits by query: a stable sort by query
        # leaves each query's rows in index order.
        order = np.argsort(rows, kind="stable")
        rows, candidates, exact = rows[order], candidates[order], exact[order]
    candidates = candidates.astype(np.int64, copy=False)
    if self_offset is not None:
        exact[candidates == self_offset + rows] = -np.inf
    keep = 1.0 - exact <= radius
    rows, candidates, exact = rows[keep], candidates[keep], exact[keep]
    bounds = np.searchsorted(rows, np.arange(n_queries + 1))
    sims, inds = [], []
    for a, b in zip(bounds[:-1], bounds[1:]):
        s, c = exact[a:b], candidates[a:b]
        if sort_results:
            order = _order(s[None], c[None])[0]
            s, c = s[order], c[order]
        sims.append(s)
        inds.append(c)
    return sims, inds
