"""CosineNeighbors against scikit-learn, faiss and hnswlib, side by side in one process.

Index: the bundled 400,000 x 50 GloVe matrix (glove.6B.50d). Queries: 1,000 of its words drawn
at random (seed 0), k=10, 2 threads for everyone.

1. Exact: ``CosineNeighbors(algorithm="brute")`` against
   ``NearestNeighbors(metric="cosine", algorithm="brute", n_jobs=2)`` and faiss ``IndexFlatIP``
   on the same unit vectors (faiss' defaults, and with its BLAS path forced on), with the
   agreement of their answers.
2. Approximate: ``CosineNeighbors(algorithm="hnsw")`` and ``algorithm="faiss"`` (HNSW32,
   IVF) against hnswlib and faiss used directly with the same parameters; recall@10 against
   the exact answer.

Reported: build time, queries/second (best of 3 runs), peak extra memory during the queries
(RSS sampled every 5 ms, above the level before the call), recall@10, and ratios
(peer time / our time; > 1 means we are faster).

Run: ``.venv/bin/python benchmarks/bench_neighbors.py`` (``--quick`` for a 50k-row smoke run).
Writes ``benchmarks/results/neighbors.md``.
"""

from __future__ import annotations

import os
import sys

import numpy as np
from _common import (
    RESULTS_DIR,
    PeakRss,
    argument_parser,
    command_line,
    git_revision,
    load_average,
    timed,
    versions,
    write_results,
)

THREADS = 2
K = 10
RESULTS = RESULTS_DIR / "neighbors.md"


def _timed(function, repeat=3):
    """Best wall time of ``repeat`` calls, the last result, and the peak extra RSS."""
    best, peak = float("inf"), 0.0
    for _ in range(repeat):
        with PeakRss() as rss:
            seconds, result = timed(function)
        best, peak = min(best, seconds), max(peak, rss.extra)
    return best, result, peak


def _built(function):
    """Wall time of one call (a build), its result and the peak extra RSS."""
    return _timed(function, repeat=1)


def _recall(found, expected):
    return float(np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(found, expected)]))


def _agreement(ind, dist, ref_ind, ref_dist):
    """Share of queries with identical neighbour lists, and how the others differ."""
    same = np.all(ind == ref_ind, axis=1)
    gap = np.abs(np.asarray(dist, np.float64) - np.asarray(ref_dist, np.float64)).max()
    # A differing list is a near-tie when the distances at the differing ranks agree to 1e-6.
    near_ties = sum(np.abs(dist[r] - ref_dist[r]).max() < 1e-6 for r in np.flatnonzero(~same))
    return (
        f"{same.mean():.1%} identical lists, max |distance diff| {gap:.1e}; "
        f"{(~same).sum()} differing, of which {near_ties} only in the order or choice of "
        "neighbours whose distances agree to 1e-6 (near-ties)"
    )


def main():
    parser = argument_parser(__doc__, "50k-row index, for a smoke run")
    parser.add_argument("--no-sklearn", action="store_true", help="skip scikit-learn (slow)")
    parser.add_argument("--no-write", action="store_true", help="do not write the results file")
    args = parser.parse_args()

    import faiss
    import hnswlib
    import torch
    from sklearn.neighbors import NearestNeighbors

    from sklearn_lexembed import CosineNeighbors
    from sklearn_lexembed.static._resources import load_word_vectors

    torch.set_num_threads(THREADS)
    faiss.omp_set_num_threads(THREADS)
    store = load_word_vectors("glove-wiki-gigaword-50")
    index = np.ascontiguousarray(store.vectors, dtype=np.float32)
    if args.quick:
        index = index[:50000]
    rng = np.random.default_rng(0)
    queries = index[rng.choice(len(index), 1000, replace=False)].copy()
    unit = index / np.linalg.norm(index, axis=1, keepdims=True)
    unit_queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    libraries = versions(
        "numpy", "scikit-learn", "torch", "faiss-cpu", "hnswlib", "sklearn-lexembed"
    )
    lines = [
        f"versions: {libraries}; git {git_revision()}",
        f"machine: {os.cpu_count()} cores, {THREADS} threads for every contender; load average "
        f"before the run {load_average()} (1/5/15 min)",
        f"index: GloVe glove.6B.50d, {index.shape[0]} x {index.shape[1]} float32; queries: "
        f"{len(queries)} of its rows (seed 0); k={K}",
        "",
    ]
    print("\n".join(lines), flush=True)
    rows = []
    exact_time = {}

    def report(name, build, seconds, peak, quality, ours_seconds=None):
        ratio = "" if ours_seconds is None else f"{seconds / ours_seconds:.2f}"
        versus_exact = f"{exact_time['t'] / seconds:.2f}" if exact_time else "1.00"
        row = (
            f"| {name} | {build:.2f} | {len(queries) / seconds:,.0f} | {peak:.0f} | "
            f"{quality} | {versus_exact} | {ratio} |"
        )
        rows.append(row)
        print(row, flush=True)

    header = [
        "| contender | build s | queries/s | peak extra MB | recall@10 | "
        "speed / our exact (2 threads) | peer time / ours |",
        "|---|---|---|---|---|---|---|",
    ]
    print("\n".join(header))

    # ---------------------------------------------------------------- exact search
    build, ours, _ = _built(
        lambda: CosineNeighbors(n_neighbors=K, algorithm="brute", n_jobs=THREADS).fit(index)
    )
    ours_seconds, (exact_dist, exact_ind), peak = _timed(lambda: ours.kneighbors(queries))
    report("CosineNeighbors brute (exact)", build, ours_seconds, peak, "1.000 (reference)")
    exact_time["t"] = ours_seconds

    flat = faiss.IndexFlatIP(index.shape[1])
    build, _, _ = _built(lambda: flat.add(unit))
    seconds, (faiss_sims, faiss_ind), peak = _timed(lambda: flat.search(unit_queries, K))
    report(
        "faiss IndexFlatIP (defaults)",
        build,
        seconds,
        peak,
        f"{_recall(faiss_ind, exact_ind):.3f}",
        ours_seconds,
    )
    faiss_agreement = _agreement(faiss_ind, 1 - faiss_sims, exact_ind, exact_dist)
    threshold = faiss.cvar.distance_compute_blas_threshold
    faiss.cvar.distance_compute_blas_threshold = 20  # its BLAS path from 20 queries on
    seconds, (blas_sims, blas_ind), peak = _timed(lambda: flat.search(unit_queries, K))
    faiss.cvar.distance_compute_blas_threshold = threshold
    report(
        "faiss IndexFlatIP (BLAS path forced)",
        0.0,
        seconds,
        peak,
        f"{_recall(blas_ind, exact_ind):.3f}",
        ours_seconds,
    )
    blas_agreement = _agreement(blas_ind, 1 - blas_sims, exact_ind, exact_dist)

    # The same pair on one thread each: without OpenMP barriers, which stall on a busy machine,
    # this isolates the kernels themselves.
    single = CosineNeighbors(n_neighbors=K, algorithm="brute", n_jobs=1).fit(index)
    single_seconds, _, peak = _timed(lambda: single.kneighbors(queries))
    report("CosineNeighbors brute, 1 thread", 0.0, single_seconds, peak, "1.000")
    faiss.omp_set_num_threads(1)
    faiss.cvar.distance_compute_blas_threshold = 20
    seconds, _, peak = _timed(lambda: flat.search(unit_queries, K))
    report(
        "faiss IndexFlatIP (BLAS path forced), 1 thread",
        0.0,
        seconds,
        peak,
        "1.000",
        single_seconds,
    )
    faiss.cvar.distance_compute_blas_threshold = threshold
    seconds, _, peak = _timed(lambda: flat.search(unit_queries, K), repeat=1)
    report("faiss IndexFlatIP (defaults), 1 thread", 0.0, seconds, peak, "1.000", single_seconds)
    faiss.omp_set_num_threads(THREADS)

    sklearn_agreement = "not run"
    if not args.no_sklearn:
        build, nn, _ = _built(
            lambda: NearestNeighbors(
                n_neighbors=K, metric="cosine", algorithm="brute", n_jobs=THREADS
            ).fit(index)
        )
        seconds, (sk_dist, sk_ind), peak = _timed(lambda: nn.kneighbors(queries), repeat=1)
        report(
            "scikit-learn NearestNeighbors(cosine, brute)",
            build,
            seconds,
            peak,
            f"{_recall(sk_ind, exact_ind):.3f}",
            ours_seconds,
        )
        sklearn_agreement = _agreement(sk_ind, sk_dist, exact_ind, exact_dist)
        # scikit-learn computes in float32 for float32 input; on float64 input it is the
        # float64 ranking our rescoring reproduces.
        sub = rng.choice(len(queries), 100, replace=False)
        nn64 = NearestNeighbors(
            n_neighbors=K, metric="cosine", algorithm="brute", n_jobs=THREADS
        ).fit(index.astype(np.float64))
        d64, i64 = nn64.kneighbors(queries[sub].astype(np.float64))
        sklearn_agreement += "; on float64 input (100 queries): " + _agreement(
            exact_ind[sub], exact_dist[sub], i64, d64
        )

    # ---------------------------------------------------------- approximate search
    ef_search, m, ef_construction = 100, 16, 200
    build, ours_hnsw, _ = _built(
        lambda: CosineNeighbors(
            n_neighbors=K,
            algorithm="hnsw",
            hnsw_m=m,
            ef_construction=ef_construction,
            ef_search=ef_search,
            n_jobs=THREADS,
            random_state=0,
        ).fit(index)
    )
    seconds, (_, ind), peak = _timed(lambda: ours_hnsw.kneighbors(queries))
    report(
        f"CosineNeighbors hnsw (M={m}, ef_construction={ef_construction}, ef_search={ef_search})",
        build,
        seconds,
        peak,
        f"{_recall(ind, exact_ind):.3f}",
    )
    ours_hnsw_seconds = seconds
    for ef in (20, 30, 35, 40, 60):  # read at query time: the same graph, less effort
        ours_hnsw.set_params(ef_search=ef)
        seconds_ef, (_, ind), peak = _timed(lambda: ours_hnsw.kneighbors(queries))
        report(
            f"CosineNeighbors hnsw, same graph, ef_search={ef}",
            0.0,
            seconds_ef,
            peak,
            f"{_recall(ind, exact_ind):.3f}",
        )

    def hnswlib_build():
        graph = hnswlib.Index(space="ip", dim=index.shape[1])
        graph.init_index(
            max_elements=len(index), M=m, ef_construction=ef_construction, random_seed=0
        )
        graph.add_items(unit, num_threads=THREADS)
        graph.set_ef(ef_search)
        return graph

    build, graph, _ = _built(hnswlib_build)
    seconds, (ind, _), peak = _timed(
        lambda: graph.knn_query(unit_queries, k=K, num_threads=THREADS)
    )
    report(
        "hnswlib directly (same parameters)",
        build,
        seconds,
        peak,
        f"{_recall(ind, exact_ind):.3f}",
        ours_hnsw_seconds,
    )

    for spec, params in (
        ("HNSW32", {"ef_search": ef_search, "ef_construction": 40}),
        ("IVF1024,Flat", {"n_probe": 32}),
    ):
        build, ours_faiss, _ = _built(
            lambda spec=spec, params=params: CosineNeighbors(
                n_neighbors=K,
                algorithm="faiss",
                faiss_index=spec,
                n_jobs=THREADS,
                random_state=0,
                **params,
            ).fit(index)
        )
        seconds, (_, ind), peak = _timed(lambda est=ours_faiss: est.kneighbors(queries))
        described = ", ".join(f"{k}={v}" for k, v in params.items())
        report(
            f"CosineNeighbors faiss {spec} ({described})",
            build,
            seconds,
            peak,
            f"{_recall(ind, exact_ind):.3f}",
        )
        ours_faiss_seconds = seconds
        if "n_probe" in params:
            for n_probe in (8, 16):
                ours_faiss.set_params(n_probe=n_probe)
                seconds_p, (_, ind), peak = _timed(lambda est=ours_faiss: est.kneighbors(queries))
                report(
                    f"CosineNeighbors faiss {spec}, same index, n_probe={n_probe}",
                    0.0,
                    seconds_p,
                    peak,
                    f"{_recall(ind, exact_ind):.3f}",
                )

        def faiss_build(spec=spec, params=params):
            built = faiss.index_factory(index.shape[1], spec, faiss.METRIC_INNER_PRODUCT)
            if "ef_construction" in params:
                built.hnsw.efConstruction = params["ef_construction"]
            if not built.is_trained:
                faiss.extract_index_ivf(built).cp.seed = 0
                built.train(unit)
            built.add(unit)
            space = faiss.ParameterSpace()
            if "ef_search" in params:
                space.set_index_parameter(built, "efSearch", params["ef_search"])
            if "n_probe" in params:
                space.set_index_parameter(built, "nprobe", params["n_probe"])
            return built

        build, direct, _ = _built(faiss_build)
        seconds, (_, ind), peak = _timed(lambda direct=direct: direct.search(unit_queries, K))
        report(
            f"faiss {spec} directly (same parameters)",
            build,
            seconds,
            peak,
            f"{_recall(ind, exact_ind):.3f}",
            ours_faiss_seconds,
        )

    notes = [
        "",
        f"Agreement of the exact answers with ours: scikit-learn: {sklearn_agreement}.",
        f"faiss IndexFlatIP (defaults): {faiss_agreement}. With the BLAS path: {blas_agreement}.",
        f"load average after the run: {load_average()}",
    ]
    print("\n".join(notes))
    if not args.no_write and not args.quick:
        write_results(
            RESULTS,
            "# CosineNeighbors vs scikit-learn, faiss and hnswlib (issue 5)\n\n"
            f"Command: `{command_line()}` (one run; see the notes below for the reading).\n\n"
            "```\n"
            + "\n".join(lines).strip()
            + "\n```\n\n"
            + "\n".join(header + rows)
            + "\n"
            + "\n".join(notes)
            + "\n",
        )


if __name__ == "__main__":
    sys.exit(main())
