"""``n_components``: does a smaller output dimension cost or buy accuracy, and at what speed?

Task: a noun synset's WordNet supersense (25 classes) from its definition (WordNet 3.0 glosses,
package ``wordnet-base``; the split of ``bench_domain.py``), logistic regression on the output.
Contenders, side by side on the same split: TF-IDF; ``GloveVectorizer`` (mean and SIF) and
``ContextualVectorizer`` (all-MiniLM-L6-v2, ONNX int8, mean) at several ``n_components``, the PCA
learned in ``fit`` from the training definitions. ``ContextualVectorizer`` goes through a vector
cache, so each definition is embedded once for all its settings (the embedding time is reported
once, separately).

Run: ``.venv/bin/python benchmarks/bench_components.py`` (``--quick`` for a smoke run). Writes
``benchmarks/results/components.md``.
"""

from __future__ import annotations

import os
import tempfile
import time

import numpy as np
from _common import (
    RESULTS_DIR,
    argument_parser,
    command_line,
    git_revision,
    load_average,
    versions,
    write_results,
)
from bench_domain import split


def accuracy(vectorizer, train, test):
    """Fit the pipeline on ``train`` and score it on ``test``; returns (accuracy, fit s, docs/s)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts, labels = zip(*train)
    test_texts, test_labels = zip(*test)
    model = make_pipeline(vectorizer, LogisticRegression(max_iter=2000))
    start = time.perf_counter()
    model.fit(list(texts), list(labels))
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    model[0].transform(list(test_texts))
    docs_per_second = len(test_texts) / (time.perf_counter() - start)
    score = float(np.mean(model.predict(list(test_texts)) == np.asarray(test_labels)))
    return score, fit_seconds, docs_per_second


def main():
    args = argument_parser(__doc__).parse_args()
    from sklearn.feature_extraction.text import TfidfVectorizer

    from sklearn_lexembed import ContextualVectorizer, GloveVectorizer

    n_train, n_test = (2000, 500) if args.quick else (20000, 4000)
    _, train, test = split(n_train, n_test, seed=0)
    header = [
        "# n_components on the WordNet supersense task",
        "",
        f"Command: `{command_line()}`",
        "",
        "```",
        versions("numpy", "scikit-learn", "onnxruntime", "sklearn-lexembed"),
        f"git {git_revision(mark_modified=True)}; {os.cpu_count()} cores; "
        f"{load_average()} at start",
        f"{len(train)} training and {len(test)} test noun definitions, 25 supersenses, "
        "LogisticRegression(max_iter=2000)",
        "```",
        "",
        "| contender | n_components | accuracy | fit s | transform docs/s |",
        "|---|---|---|---|---|",
    ]
    print("\n".join(header), flush=True)
    lines = list(header)

    def row(name, n_components, vectorizer):
        score, fit_seconds, speed = accuracy(vectorizer, train, test)
        line = f"| {name} | {n_components} | {score:.4f} | {fit_seconds:.1f} | {speed:,.0f} |"
        print(line, flush=True)
        lines.append(line)

    row("TfidfVectorizer", "-", TfidfVectorizer())
    for pooling in ("mean", "sif"):
        for n_components in (10, 20, 30, None):
            row(
                f"GloveVectorizer(pooling={pooling!r})",
                n_components,
                GloveVectorizer(pooling=pooling, n_components=n_components),
            )
    with tempfile.TemporaryDirectory() as cache:
        settings = dict(backend="onnx", quantize="int8", cache=cache, n_jobs=2)
        start = time.perf_counter()
        everything = [definition for definition, _ in train + test]
        ContextualVectorizer(**settings).fit(everything).transform(everything)
        embed_seconds = time.perf_counter() - start
        for n_components in (30, 64, 128, None):
            row(
                "ContextualVectorizer(onnx int8, cached)",
                n_components,
                ContextualVectorizer(**settings, n_components=n_components),
            )
    lines += [
        "",
        f"ContextualVectorizer embedded the {len(everything)} definitions once, in "
        f"{embed_seconds:.1f} s (export included on a first run, 2 threads); its rows' fit and "
        "docs/s are then cache reads plus the PCA and the classifier.",
        f"{load_average()} at the end.",
    ]
    print("\n".join(lines[-3:]))
    if not args.quick:
        write_results(RESULTS_DIR / "components.md", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
