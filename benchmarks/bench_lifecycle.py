"""The scikit-learn life cycle at scale (issue 6), measured.

1. ``GridSearchCV`` over ``emb__window`` x ``emb__vector_size`` of a SkipGramVectorizer
   pipeline on gensim's mini 20 Newsgroups (200 posts): wall time with ``n_jobs=1`` against ``n_jobs=2`` (loky processes), and whether the two
   ``cv_results_`` agree.
2. Embedding documents on a ``distributed.LocalCluster`` (2 worker processes, 1 thread each)
   with :func:`sklearn_lexembed.parallel.transform_partitions` against ``transform`` in this
   process: documents/s, and whether the vectors are identical.
3. Persistence of each fitted estimator: pickle (joblib) and skops file sizes, dump and load
   times, the load in a fresh process included for pickle.
4. Bounded memory: ``GloveVectorizer().transform`` of 1,000,000 short documents in a fresh
   process, peak RSS against the size of the output array.

Run: ``.venv/bin/python benchmarks/bench_lifecycle.py`` (``--quick`` for a smoke run;
``--only grid dask persistence memory`` to pick parts).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from _common import (
    IMPORT_IN_CHILD,
    RESULTS_DIR,
    argument_parser,
    command_line,
    load_average,
    timed,
    versions,
    write_results,
)

RESULTS = RESULTS_DIR / "lifecycle.md"


def _load():
    return "load average " + load_average()


def grid_search(quick):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from sklearn_lexembed import SkipGramVectorizer
    from sklearn_lexembed.datasets import load_mini_newsgroups

    texts, labels = load_mini_newsgroups()
    grid = {"emb__window": [2, 5], "emb__vector_size": [50, 100]}
    pipeline = Pipeline(
        [
            (
                "emb",
                SkipGramVectorizer(
                    min_count=2, epochs=2 if quick else 10, subwords=False, random_state=0, n_jobs=1
                ),
            ),
            ("scale", StandardScaler()),
            ("clf", LogisticRegression(max_iter=2000)),
        ]
    )
    times, results = {}, {}
    for n_jobs in (1, 2):
        search = GridSearchCV(pipeline, grid, cv=5, n_jobs=n_jobs)
        times[n_jobs], _ = timed(lambda search=search: search.fit(texts, labels))
        results[n_jobs] = search.cv_results_["mean_test_score"]
    same = np.array_equal(results[1], results[2])
    n_words = sum(len(text.split()) for text in texts)
    return [
        "## Grid search: window x vector_size of a SkipGramVectorizer pipeline",
        "",
        f"4 candidates x 5 folds + the refit = 21 skip-gram fits (n_jobs=1 each, 10 epochs) on "
        f"{len(texts)} Usenet posts ({n_words:,} words, gensim's mini 20 Newsgroups).",
        "",
        "| GridSearchCV n_jobs | wall s | n_jobs=1 / this |",
        "|---|---|---|",
        f"| 1 | {times[1]:.1f} | 1.00 |",
        f"| 2 (loky processes) | {times[2]:.1f} | {times[1] / times[2]:.2f} |",
        "",
        f"cv_results_ mean_test_score identical between n_jobs=1 and 2: {same} "
        f"({np.round(results[1], 3).tolist()}). The n_jobs=2 time includes starting the worker "
        "processes and compiling the training kernel once in each.",
    ]


def dask_embedding(quick):
    import dask.dataframe as dd
    import distributed
    import pandas as pd

    from sklearn_lexembed import GloveVectorizer, SkipGramVectorizer
    from sklearn_lexembed.datasets import load_lee_corpus, load_polarity
    from sklearn_lexembed.parallel import transform_partitions

    texts, _ = load_polarity()
    n_docs = 20_000 if quick else 200_000
    documents = [f"{texts[i % 200]} item{i % 997}" for i in range(n_docs)]
    estimators = {
        "GloveVectorizer(persist='reference')": GloveVectorizer(persist="reference").fit(texts),
        "SkipGramVectorizer (Lee, 50d)": SkipGramVectorizer(
            vector_size=50, epochs=5, random_state=0
        ).fit(load_lee_corpus()),
    }
    lines = [
        f"## Dask LocalCluster (2 worker processes x 1 thread) vs in-process, {n_docs:,} documents",
        "",
        "| estimator | in-process docs/s | cluster docs/s | cluster / in-process | identical |",
        "|---|---|---|---|---|",
    ]
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        series = dd.from_pandas(pd.Series(documents), npartitions=16).persist()
        for name, estimator in estimators.items():
            local, expected = timed(lambda estimator=estimator: estimator.transform(documents))
            transform_partitions(estimator, series.head(10, compute=False)).compute()  # warm
            remote, frame = timed(
                lambda estimator=estimator: transform_partitions(estimator, series).compute()
            )
            same = np.array_equal(frame.to_numpy(), expected)
            lines.append(
                f"| {name} | {n_docs / local:,.0f} | {n_docs / remote:,.0f} | "
                f"{local / remote:.2f} | {same} |"
            )
    lines += [
        "",
        "The cluster time includes shipping the documents' partitions and the result "
        "frames between processes; the warm-up computation loads the vectors on the "
        "workers first.",
    ]
    return lines


def _fitted_estimators():
    from sklearn_lexembed import (
        ContextualVectorizer,
        CosineNeighbors,
        GloveVectorizer,
        SkipGramVectorizer,
    )
    from sklearn_lexembed.datasets import load_lee_corpus, load_polarity

    texts, _ = load_polarity()
    lee = load_lee_corpus()
    return {
        "GloveVectorizer() (default persist='auto')": GloveVectorizer().fit(texts),
        "GloveVectorizer (persist='embed')": GloveVectorizer(persist="embed").fit(texts),
        "GloveVectorizer (persist='reference')": GloveVectorizer(persist="reference").fit(texts),
        "SkipGramVectorizer (Lee, 100d, subwords)": SkipGramVectorizer(random_state=0).fit(lee),
        "ContextualVectorizer (MiniLM)": ContextualVectorizer().fit(texts),
        "CosineNeighbors (encoder=GloveVectorizer())": CosineNeighbors(
            encoder=GloveVectorizer()
        ).fit(texts),
    }


def persistence(quick):
    import joblib
    import skops.io as sio

    lines = [
        "## Persistence of fitted estimators",
        "",
        "| estimator | joblib MB | dump s | load s | load in a fresh process s | "
        "skops MB | dump s | load s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as folder:
        for name, estimator in _fitted_estimators().items():
            path = Path(folder) / "model.joblib"
            dump, _ = timed(lambda estimator=estimator, path=path: joblib.dump(estimator, path))
            load, _ = timed(lambda path=path: joblib.load(path))
            script = (
                "import time, joblib; start = time.perf_counter(); "
                f"joblib.load({str(path)!r}); print(time.perf_counter() - start)"
            )
            fresh = float(
                subprocess.run(
                    [sys.executable, "-c", script], check=True, capture_output=True, text=True
                ).stdout
            )
            skops_path = Path(folder) / "model.skops"
            skops_dump, _ = timed(
                lambda estimator=estimator, path=skops_path: sio.dump(estimator, path)
            )
            skops_load, _ = timed(
                lambda path=skops_path: sio.load(path, trusted=sio.get_untrusted_types(file=path))
            )
            lines.append(
                f"| {name} | {path.stat().st_size / 1e6:.2f} | {dump:.2f} | {load:.2f} | "
                f"{fresh:.2f} | {skops_path.stat().st_size / 1e6:.2f} | {skops_dump:.2f} | "
                f"{skops_load:.2f} |"
            )
    lines += [
        "",
        "The fresh-process load time excludes the interpreter's start but includes "
        "importing the package and its libraries. GloveVectorizer by reference (the default "
        "for the bundled vectors) stores where its vectors come from and a fingerprint: "
        "it reloads them from the bundle, checks them and builds its n-gram table when "
        "unpickled (timed here). ContextualVectorizer stores its model's name and "
        "fingerprint and loads the model on first transform (not timed here).",
    ]
    return lines


_MEMORY_SCRIPT = (
    IMPORT_IN_CHILD
    + """
import json, sys, time
import numpy as np
from sklearn_lexembed import GloveVectorizer
from sklearn_lexembed.datasets import load_polarity

n = int(sys.argv[1])
texts, _ = load_polarity()
vectorizer = GloveVectorizer().fit(texts)
vectorizer.transform(texts)  # the subword table and caches exist before the measurement
words = [t.split()[:8] for t in texts]
documents = [" ".join(words[i % 200]) + f" item{i % 9973}" for i in range(n)]
before = status_mb("VmRSS")
reset_peak()
start = time.perf_counter()
out = vectorizer.transform(documents)
seconds = time.perf_counter() - start
print(json.dumps({"before": before, "peak": status_mb("VmHWM"), "output": out.nbytes / 2**20,
                  "seconds": seconds, "shape": list(out.shape)}))
"""
)


def memory(quick):
    import json

    n_docs = 100_000 if quick else 1_000_000
    result = json.loads(
        subprocess.run(
            [sys.executable, "-c", _MEMORY_SCRIPT, str(n_docs)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    added = result["peak"] - result["before"]
    return [
        f"## Bounded memory: GloveVectorizer.transform of {n_docs:,} short documents "
        "(fresh process)",
        "",
        "| documents | output MB | RSS before MB | peak RSS MB | peak - before MB | "
        "(peak - before) / output | seconds | docs/s |",
        "|---|---|---|---|---|---|---|---|",
        f"| {n_docs:,} | {result['output']:.0f} | {result['before']:.0f} | "
        f"{result['peak']:.0f} | {added:.0f} | {added / result['output']:.2f} | "
        f"{result['seconds']:.1f} | {n_docs / result['seconds']:,.0f} |",
        "",
        "Peak RSS is VmHWM reset through /proc/self/clear_refs just before transform; the "
        "documents themselves are built before the reset. transform works in blocks of 8,192 "
        "documents, so what it adds beyond the output array is one block's token buffers. "
        "The difference can be below the output's size: memory freed while the documents were "
        "built is still resident and is reused.",
    ]


PARTS = {"grid": grid_search, "dask": dask_embedding, "persistence": persistence, "memory": memory}


def main():
    parser = argument_parser(__doc__)
    parser.add_argument("--only", nargs="+", choices=sorted(PARTS), default=list(PARTS))
    args = parser.parse_args()
    header = [
        "# The scikit-learn life cycle at scale (issue 6)",
        "",
        f"Command: `{command_line()}`",
        "",
        "```",
        versions(
            "numpy",
            "scikit-learn",
            "joblib",
            "dask",
            "distributed",
            "skops",
            "gensim",
            "torch",
            "sklearn-lexembed",
        ),
        f"machine: {os.cpu_count()} cores; {_load()} at start",
        "```",
        "",
    ]
    print("\n".join(header))
    lines = list(header)
    for name in args.only:
        part = PARTS[name](args.quick)
        print("\n".join(part) + "\n", flush=True)
        lines += part + [""]
    lines.append(f"{_load()} at the end.")
    if not args.quick and set(args.only) == set(PARTS):
        write_results(RESULTS, "\n".join(lines) + "\n")
    else:
        print(f"a partial or quick run: {RESULTS} is left as it is")


if __name__ == "__main__":
    main()
