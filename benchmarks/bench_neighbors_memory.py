"""CosineNeighbors exact search: first-call latency and peak memory, each in a fresh process.

1. Latency: a fresh interpreter imports the package, fits ``CosineNeighbors()`` on random
   float32 vectors (200 x 50 and 100,000 x 384), then times ten ``kneighbors`` calls of one
   query and of 64 queries; it prints the 1st and the 10th, and whether torch was imported
   (after ``fit``, after the calls). A service's first request should cost what later ones do.
2. Memory: the bundled GloVe matrix less 1,000 held-out words (seed 0), 399,000 x 50; the
   1,000 words are the queries, k=10, one thread. For each setting a fresh interpreter fits the
   index, then runs the query twice: the first call's peak resident memory above the level
   before it (VmHWM after resetting it, Linux), which includes any module the call imports, and
   the second call's peak of numpy allocations (tracemalloc; numpy reports its buffers to it).
   Settings: ``kneighbors`` at ``batch_size`` 64, 256 and 1024; ``radius_neighbors`` at
   ``batch_size=256``, radius 0.3 (about 170 neighbours per query) and 0.5 (about 5,700).

Run: ``.venv/bin/python benchmarks/bench_neighbors_memory.py`` (``--quick``: the latency part on
the small index only, memory on 50,000 rows). Writes ``benchmarks/results/neighbors_memory.md``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from _common import (
    IMPORT_IN_CHILD,
    RESULTS_DIR,
    argument_parser,
    command_line,
    git_revision,
    load_average,
    versions,
    write_results,
)

RESULTS = RESULTS_DIR / "neighbors_memory.md"
CALLS = 10

_LATENCY = """
import time
t0 = time.perf_counter()
import numpy as np
import sklearn_lexembed
from sklearn_lexembed import CosineNeighbors
rng = np.random.default_rng(0)
X = rng.normal(size=({rows}, {dims})).astype(np.float32)
queries = rng.normal(size=({calls}, {batch}, {dims})).astype(np.float32)
t1 = time.perf_counter()
search = CosineNeighbors(n_neighbors=10).fit(X)
t2 = time.perf_counter()
torch_after_fit = "torch" in sys.modules
seconds = []
for q in queries:
    start = time.perf_counter()
    search.kneighbors(q)
    seconds.append(time.perf_counter() - start)
print(json.dumps({{"import_s": t1 - t0, "fit_s": t2 - t1, "calls_s": seconds,
                  "torch_after_fit": torch_after_fit, "torch_after_calls": "torch" in sys.modules}}))
"""

_MEMORY = """
import tracemalloc
import numpy as np
from sklearn_lexembed import CosineNeighbors
from sklearn_lexembed.static._resources import load_word_vectors
everything = np.ascontiguousarray(load_word_vectors("glove-wiki-gigaword-50").vectors, np.float32)
if {quick}:
    everything = everything[:50000]
order = np.random.default_rng(0).permutation(len(everything))
index, queries = everything[np.sort(order[1000:])], everything[order[:1000]].copy()
search = CosineNeighbors(n_neighbors=10, batch_size={batch}, n_jobs=1).fit(index)
if {radius} is None:
    query = lambda: search.kneighbors(queries)
else:
    query = lambda: search.radius_neighbors(queries, radius={radius})
before = status_mb("VmRSS")
reset_peak()
result = query()
rss_peak = status_mb("VmHWM") - before
tracemalloc.start()
result = None
result = query()
traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
tracemalloc.stop()
found = sum(map(len, result[1])) if {radius} is not None else result[1].size
print(json.dumps({{"rss_first_mb": rss_peak, "traced_mb": traced_peak, "found": int(found),
                  "rows": int(index.shape[0]), "torch": "torch" in sys.modules}}))
"""


def _child(code):
    script = IMPORT_IN_CHILD + "import json, sys\n" + code
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    args = argument_parser(__doc__, "small sizes, for a smoke run").parse_args()
    header = [
        f"versions: {versions('numpy', 'scipy', 'scikit-learn', 'torch', 'sklearn-lexembed')}; "
        f"git {git_revision(mark_modified=True)}",
        f"machine: {os.cpu_count()} cores; n_jobs=None (1 thread) unless said; load average "
        f"before the run {load_average()} (1/5/15 min)",
    ]
    print("\n".join(header), flush=True)
    lines = ["", "## First calls (fresh process each; ms)", ""]
    lines.append("| index | queries/call | 1st call | 10th call | fit | torch after fit / calls |")
    lines.append("|---|---|---|---|---|---|")
    sizes = [(200, 50)] if args.quick else [(200, 50), (100_000, 384)]
    for rows, dims in sizes:
        for batch in (1, 64):
            got = _child(_LATENCY.format(rows=rows, dims=dims, batch=batch, calls=CALLS))
            calls = got["calls_s"]
            lines.append(
                f"| {rows:,} x {dims} | {batch} | {calls[0] * 1e3:.1f} | {calls[-1] * 1e3:.1f} "
                f"| {got['fit_s'] * 1e3:.0f} | {got['torch_after_fit']} / "
                f"{got['torch_after_calls']} |"
            )
            print(lines[-1], flush=True)
    lines += ["", "## Peak memory of one call, 1,000 queries, k=10, 1 thread (MB = 2**20 B)", ""]
    lines.append(
        "| call | batch_size | neighbours found | first call: peak RSS - RSS before "
        "| numpy peak (tracemalloc) | torch imported |"
    )
    lines.append("|---|---|---|---|---|---|")
    settings = [(64, None), (256, None), (1024, None), (256, 0.3), (256, 0.5)]
    for batch, radius in settings:
        got = _child(_MEMORY.format(quick=args.quick, batch=batch, radius=radius))
        call = "kneighbors" if radius is None else f"radius_neighbors, radius={radius}"
        lines.append(
            f"| {call} | {batch} | {got['found']:,} | {got['rss_first_mb']:.0f} "
            f"| {got['traced_mb']:.1f} | {got['torch']} |"
        )
        print(lines[-1], flush=True)
    lines.append(f"\nindex rows: {got['rows']:,}; load average after the run {load_average()}")
    print(lines[-1])
    if not args.quick:
        write_results(
            RESULTS,
            "# CosineNeighbors: first-call latency and peak memory\n\n"
            f"Command: `{command_line()}` (one run).\n\n```\n"
            + "\n".join(header)
            + "\n```\n"
            + "\n".join(lines)
            + "\n",
        )


if __name__ == "__main__":
    sys.exit(main())
