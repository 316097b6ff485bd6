"""DistilledVectorizer against its peers: accuracy and speed on the WordNet supersense task.

Task: a noun synset's WordNet supersense (25 classes) from its definition (WordNet 3.0 glosses,
package ``wordnet-base``; the split of ``bench_domain.py``: 20,000 training and 4,000 test
definitions), ``LogisticRegression(max_iter=2000)`` on each contender's output. Contenders, side
by side on the same split: TF-IDF; ``GloveVectorizer`` (mean); model2vec's ``distill`` of the
bundled all-MiniLM-L6-v2 (PCA 256, its defaults; run in ``benchmarks/.venv-model2vec``, made by
``benchmarks/peers/make_model2vec_venv.sh``, because model2vec[distill] caps transformers below
5.4); ``DistilledVectorizer`` of the same teacher without and with corpus training; and the
teacher itself, ``ContextualVectorizer`` (torch, float32, mean pooling).

Transform speed is docs/s over the 4,000 test definitions, best of 3 after a warm-up, 2 threads
(the teacher's over 1,000 of them, once). ``fit`` times include loading and distilling.

Run: ``.venv/bin/python benchmarks/bench_distilled.py`` (``--quick`` for a smoke run). Writes
``benchmarks/results/distilled.md`` and ``benchmarks/results/distilled.json`` (which
``examples/plot_distilled_frontier.py`` plots).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

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
from sklearn.base import clone

HERE = Path(__file__).resolve().parent
PEER_PYTHON = HERE / ".venv-model2vec" / "bin" / "python"
TEACHER = "sentence-transformers/all-MiniLM-L6-v2"


def _speed(transform, texts, repeat=3):
    transform(texts[:100])  # warm-up
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        transform(texts)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def score(vectorizer, train, test, speed_texts=None, repeat=3):
    """Fit on ``train``, score on ``test``: (accuracy, fit s, transform docs/s)."""
    from sklearn.linear_model import LogisticRegression

    texts, labels = map(list, zip(*train))
    test_texts, test_labels = map(list, zip(*test))
    start = time.perf_counter()
    x_train = vectorizer.fit(texts).transform(texts)
    fit_seconds = time.perf_counter() - start
    x_test = vectorizer.transform(test_texts)
    classifier = LogisticRegression(max_iter=2000).fit(x_train, labels)
    accuracy = float(np.mean(classifier.predict(x_test) == np.asarray(test_labels)))
    speed = _speed(vectorizer.transform, speed_texts or test_texts, repeat)
    return accuracy, fit_seconds, speed, vectorizer


def model2vec_row(train, test, threads):
    """model2vec's distill, scored in its own virtualenv; None when that is not made."""
    if not PEER_PYTHON.exists():
        print(
            f"(model2vec skipped: run bash benchmarks/peers/make_model2vec_venv.sh to make {PEER_PYTHON})"
        )
        return None
    from sklearn_lexembed.contextual._loading import model_folder, resolve_model

    with tempfile.TemporaryDirectory() as scratch:
        data, out = Path(scratch) / "data.json", Path(scratch) / "out.json"
        data.write_text(
            json.dumps(
                {
                    "train_texts": [t for t, _ in train],
                    "train_labels": [y for _, y in train],
                    "test_texts": [t for t, _ in test],
                    "test_labels": [y for _, y in test],
                }
            )
        )
        command = [str(PEER_PYTHON), str(HERE / "peers" / "model2vec_distill.py")]
        command += ["--model", model_folder(TEACHER, resolve_model(TEACHER))]
        command += ["--data", str(data), "--out", str(out), "--threads", str(threads)]
        subprocess.run(command, check=True)
        return json.loads(out.read_text())


def main():
    args = argument_parser(__doc__).parse_args()
    from sklearn.feature_extraction.text import TfidfVectorizer

    from sklearn_lexembed import ContextualVectorizer, DistilledVectorizer, GloveVectorizer

    threads = 2
    n_train, n_test = (2000, 500) if args.quick else (20000, 4000)
    _, train, test = split(n_train, n_test, seed=0)
    header = [
        "# DistilledVectorizer on the WordNet supersense task",
        "",
        f"Command: `{command_line()}`",
        "",
        "```",
        versions(
            "numpy", "scikit-learn", "torch", "transformers", "tokenizers", "sklearn-lexembed"
        ),
        f"git {git_revision(mark_modified=True)}; {os.cpu_count()} cores, {threads} threads; "
        f"{load_average()} at start",
        f"{len(train)} training and {len(test)} test noun definitions, 25 supersenses, "
        "LogisticRegression(max_iter=2000); docs/s: transform of the test definitions",
        "```",
        "",
        "| contender | accuracy | fit s | transform docs/s |",
        "|---|---|---|---|",
    ]
    print("\n".join(header), flush=True)
    lines, results = list(header), []

    def record(name, accuracy, fit_seconds, speed, **extra):
        line = f"| {name} | {accuracy:.4f} | {fit_seconds:.1f} | {speed:,.0f} |"
        print(line, flush=True)
        lines.append(line)
        results.append(
            {
                "name": name,
                "accuracy": accuracy,
                "fit_seconds": fit_seconds,
                "docs_per_second": speed,
                **extra,
            }
        )

    def row(name, vectorizer, **kwargs):
        accuracy, fit_seconds, speed, fitted = score(vectorizer, train, test, **kwargs)
        record(name, accuracy, fit_seconds, speed)
        return fitted

    row("TfidfVectorizer", TfidfVectorizer())
    row("GloveVectorizer (mean)", GloveVectorizer())
    peer = model2vec_row(train, test, threads)
    if peer is not None:
        record(
            f"model2vec distill (PCA {peer['pca_dims']}, model2vec {peer['versions']['model2vec']})",
            peer["accuracy"],
            peer["distill_seconds"],
            peer["docs_per_second"],
        )
    plain = row(
        "DistilledVectorizer(n_components=256, corpus_training=False)",
        DistilledVectorizer(n_components=256, corpus_training=False, n_jobs=threads),
    )
    with tempfile.TemporaryDirectory() as cache:
        teacher = ContextualVectorizer(
            n_jobs=threads, batch_size=64, long_text="chunk", cache=cache
        )
        trained = row(
            "DistilledVectorizer() (corpus training)",
            DistilledVectorizer(teacher, n_jobs=threads, random_state=0),
        )
        # The teacher as a contender: its training vectors are the ones its pupil's fit put
        # in the cache, so its fit time is not comparable and is not shown.
        accuracy, _, _, _ = score(clone(teacher), train, test, speed_texts=["a"], repeat=1)
    test_texts = [t for t, _ in test][:1000]
    uncached = ContextualVectorizer(n_jobs=threads, batch_size=64).fit([""])
    speed = _speed(uncached.transform, test_texts, repeat=1)
    record("ContextualVectorizer (the teacher, torch float32)", accuracy, float("nan"), speed)
    notes = [
        "",
        f"Corpus training: held-out agreement with the teacher {trained.validation_scores_[0]:.3f}"
        f" -> {max(trained.validation_scores_):.3f} after {trained.best_epoch_} epochs "
        f"({trained.n_iter_} run); {len(trained.new_words_)} corpus words added; table "
        f"{trained.vectors_.shape[0]:,} x {trained.vectors_.shape[1]}. Without: table "
        f"{plain.vectors_.shape[0]:,} x {plain.vectors_.shape[1]}. The teacher's docs/s: "
        f"{len(test_texts)} test definitions, uncached, once.",
    ]
    by_name = {r["name"]: r for r in results}
    teacher_row = results[-1]
    glove_row = by_name["GloveVectorizer (mean)"]
    summary = notes + ["", "Ratios (ours / peer):"]
    for name in (
        "DistilledVectorizer(n_components=256, corpus_training=False)",
        "DistilledVectorizer() (corpus training)",
    ):
        ours = by_name[name]
        gap = (ours["accuracy"] - glove_row["accuracy"]) / (
            teacher_row["accuracy"] - glove_row["accuracy"]
        )
        text = (
            f"- {name}: {ours['docs_per_second'] / teacher_row['docs_per_second']:.0f}x the teacher's docs/s; "
            f"{gap:.2f} of the way from GloVe's accuracy to the teacher's"
        )
        if peer is not None:
            text += (
                f"; accuracy {ours['accuracy'] - peer['accuracy']:+.4f} and "
                f"{ours['docs_per_second'] / peer['docs_per_second']:.2f}x the docs/s of model2vec distill"
            )
        summary.append(text)
    summary.append(f"{load_average()} at the end.")
    print("\n".join(summary))
    lines += summary
    if not args.quick:
        write_results(RESULTS_DIR / "distilled.md", "\n".join(lines) + "\n")
        write_results(RESULTS_DIR / "distilled.json", json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
