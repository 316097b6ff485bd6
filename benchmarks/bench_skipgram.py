"""SkipGramVectorizer against gensim's Word2Vec(sg=1) and FastText(sg=1), side by side in one run.

Same corpus (GCIDE definitions, about 3.5M tokens; ``benchmarks/corpora.py``), same
hyperparameters (skip-gram, negative=5, window=5, vector_size=100, sample=1e-3, min_count=5,
epochs=5, and for subwords min_n=3, max_n=6 and the same bucket count), 2 threads each, documents in
the same shuffled order. gensim gets the documents tokenized once with our default analyzer
(``(?u)\\b\\w+\\b`` on lowercased text) so both vocabularies are the same; ours gets the strings and
tokenizes inside ``fit`` (its fit time includes that; the tokenizing time is printed).

Each fit runs in a fresh subprocess. Throughput is corpus tokens x epochs / fit seconds (vocabulary
scan and training, not corpus loading). Memory: the peak RSS counter (VmHWM) is reset through
``/proc/self/clear_refs`` right before ``fit``; "fit adds" is that peak minus the RSS just before
``fit`` (the corpus is already in memory in each library's input format), "peak" is the absolute
VmHWM of the fitting process. Quality: Spearman on WordSim-353 and SimLex-999 and accuracy on
questions-words (restrict_vocab=30000), each library's own evaluation code (ours is checked
against gensim's on the same vectors).

Run: ``.venv/bin/python benchmarks/bench_skipgram.py`` (``--quick`` for a 200k-token smoke run,
``--only word2vec`` or ``--only fasttext``).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from functools import partial
from pathlib import Path

from _common import (
    REPOSITORY,
    RESULTS_DIR,
    argument_parser,
    command_line,
    git_revision,
    reset_peak,
    status_mb,
    timed,
    uptime,
    versions,
    write_results,
)

TOKEN_PATTERN = r"(?u)\b\w+\b"
PARAMS = {
    "vector_size": 100,
    "window": 5,
    "negative": 5,
    "min_count": 5,
    "sample": 1e-3,
    "epochs": 5,
}
THREADS = 2
QUICK_TOKENS = 200_000
RESTRICT_VOCAB = 30_000
CONTENDERS = {
    "word2vec": [
        ("gensim Word2Vec(sg=1)", "gensim-w2v"),
        ("ours SkipGramVectorizer(subwords=False)", "ours-w2v"),
        # The text tokenised again in every epoch, as before the token-id cache.
        ("ours, re-tokenising each epoch (max_vocab_size=10**9)", "ours-w2v-retok"),
    ],
    "fasttext": [
        ("gensim FastText(sg=1)", "gensim-ft"),
        ("ours SkipGramVectorizer(subwords=True)", "ours-ft"),
        ("ours, re-tokenising each epoch (max_vocab_size=10**9)", "ours-ft-retok"),
    ],
}


# ----------------------------------------------------------------------------- corpus
def load_documents(max_tokens):
    """GCIDE documents in one fixed shuffled order, cut after ``max_tokens`` tokens."""
    from corpora import gcide_documents

    documents = gcide_documents()
    random.Random(0).shuffle(documents)  # the file is alphabetical; the learning rate decays
    if max_tokens is None:
        return documents
    token = re.compile(TOKEN_PATTERN)
    kept, n_tokens = [], 0
    for document in documents:
        if n_tokens >= max_tokens:
            break
        kept.append(document)
        n_tokens += len(token.findall(document.lower()))
    return kept


def tokenize(documents):
    token = re.compile(TOKEN_PATTERN)
    return [token.findall(document.lower()) for document in documents]


# ----------------------------------------------------------------------------- worker side
def _spearman(result):
    return float(result[1][0])


def _evaluate_gensim(keyed_vectors):
    from gensim.test.utils import datapath

    ws353 = keyed_vectors.evaluate_word_pairs(datapath("wordsim353.tsv"))
    simlex = keyed_vectors.evaluate_word_pairs(datapath("simlex999.txt"))
    analogy, _ = keyed_vectors.evaluate_word_analogies(
        datapath("questions-words.txt"), restrict_vocab=RESTRICT_VOCAB
    )
    return {
        "ws353": _spearman(ws353),
        "ws353_oov": ws353[2],
        "simlex": _spearman(simlex),
        "simlex_oov": simlex[2],
        "analogy": float(analogy),
    }


def _warmup_documents():
    """The Lee corpus (300 news documents), fitted for one epoch before the timed fit: the first
    fit in a process also loads (or compiles) numba kernels; that one-off cost is reported
    apart."""
    from sklearn_lexembed.datasets import load_lee_corpus

    return load_lee_corpus()


def _fit_gensim(kind, documents, bucket):
    from gensim.models import FastText, Word2Vec

    tokenize_seconds, sentences = timed(partial(tokenize, documents))
    del documents

    def make(**overrides):
        params = dict(PARAMS, **overrides)
        if kind == "gensim-w2v":
            return Word2Vec(sg=1, hs=0, workers=THREADS, seed=0, **params)
        return FastText(
            sg=1, hs=0, workers=THREADS, seed=0, min_n=3, max_n=6, bucket=bucket, **params
        )

    warmup_seconds, _ = timed(lambda: make(sentences=tokenize(_warmup_documents()), epochs=1))
    model = make()
    rss_before, reset = status_mb("VmRSS"), reset_peak()
    start = time.perf_counter()
    model.build_vocab(sentences)
    vocab_seconds = time.perf_counter() - start
    model.train(sentences, total_examples=model.corpus_count, epochs=model.epochs)
    fit_seconds = time.perf_counter() - start
    peak = status_mb("VmHWM")
    return {
        "fit_seconds": fit_seconds,
        "warmup_seconds": warmup_seconds,
        "vocab_seconds": vocab_seconds,
        "tokenize_seconds": tokenize_seconds,
        "rss_before_mb": rss_before,
        "peak_mb": peak,
        "peak_reset": reset,
        "vocab_size": len(model.wv),
        **_evaluate_gensim(model.wv),
    }


def _fit_ours(kind, documents, bucket):
    from gensim.models import KeyedVectors
    from gensim.test.utils import datapath

    from sklearn_lexembed import SkipGramVectorizer

    params = dict(PARAMS, subwords=kind.startswith("ours-ft"), n_jobs=THREADS, random_state=0)
    if kind.startswith("ours-ft") and "bucket" in SkipGramVectorizer().get_params():
        params["bucket"] = bucket
    if kind.endswith("-retok"):
        # Pruning forgets words, so with max_vocab_size every epoch reads the text again; a
        # bound this large prunes nothing, so the vectors are those of the token-id path.
        params["max_vocab_size"] = 10**9
    warmup_seconds, _ = timed(
        lambda: SkipGramVectorizer(**dict(params, epochs=1)).fit(_warmup_documents())
    )
    estimator = SkipGramVectorizer(**params)
    rss_before, reset = status_mb("VmRSS"), reset_peak()
    fit_seconds, _ = timed(partial(estimator.fit, documents))
    peak = status_mb("VmHWM")
    store = estimator.word_vectors_
    ws353 = store.evaluate_word_pairs(datapath("wordsim353.tsv"))
    simlex = store.evaluate_word_pairs(datapath("simlex999.txt"))
    analogy, _ = store.evaluate_word_analogies(
        datapath("questions-words.txt"), restrict_vocab=RESTRICT_VOCAB
    )
    # The same vectors through gensim's evaluation, to show the two evaluators agree.
    keyed_vectors = KeyedVectors(vector_size=store.n_dims)
    keyed_vectors.add_vectors(list(store.words), store.vectors)
    check = keyed_vectors.evaluate_word_pairs(datapath("wordsim353.tsv"))
    loss_curve = [float(x) for x in getattr(estimator, "loss_curve_", [])]
    return {
        "fit_seconds": fit_seconds,
        "warmup_seconds": warmup_seconds,
        "rss_before_mb": rss_before,
        "peak_mb": peak,
        "peak_reset": reset,
        "vocab_size": len(estimator.vocabulary_),
        "ws353": _spearman(ws353),
        "ws353_oov": ws353[2],
        "simlex": _spearman(simlex),
        "simlex_oov": simlex[2],
        "analogy": float(analogy),
        "ws353_by_gensim": _spearman(check),
        "loss_curve": loss_curve,
        "params": {k: repr(v) for k, v in estimator.get_params().items()},
    }


def worker(kind, max_tokens, bucket):
    documents = load_documents(max_tokens)
    load_1min = os.getloadavg()[0]
    fit = _fit_gensim if kind.startswith("gensim") else _fit_ours
    result = fit(kind, documents, bucket)
    result["load_1min_before"] = load_1min
    if kind.startswith("ours"):
        import sklearn_lexembed

        result["package"] = str(Path(sklearn_lexembed.__file__).parent)
    print(json.dumps(result))


# ----------------------------------------------------------------------------- driver side
def ours_available():
    try:
        from sklearn_lexembed import SkipGramVectorizer  # noqa: F401
    except ImportError:
        return False
    return True


def library_versions():
    from gensim.models.word2vec_inner import FAST_VERSION

    libraries = versions(
        "numpy",
        "scipy",
        "scikit-learn",
        "torch",
        "gensim",
        "numba",
        "sklearn-lexembed",
        optional=("numba",),
    )
    return f"{libraries}, gensim FAST_VERSION {FAST_VERSION}"


def snapshot_package(directory):
    """Extract the committed sklearn_lexembed (git HEAD) into ``directory``, so that every worker
    runs the same code even when the working tree changes during a long run."""
    archive = subprocess.run(
        ["git", "archive", "HEAD", "sklearn_lexembed"],
        cwd=REPOSITORY,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(directory, filter="data")


def run_worker(kind, args, package_dir):
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        kind,
        "--bucket",
        str(args.bucket),
    ]
    if args.tokens is not None:
        command += ["--tokens", str(args.tokens)]
    elif args.quick:
        command += ["--quick"]
    env = dict(os.environ)
    if package_dir is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_dir, env.get("PYTHONPATH")]))
    wall_seconds, out = timed(
        lambda: subprocess.run(command, capture_output=True, text=True, env=env)
    )
    if out.returncode != 0:
        print(f"  {kind} failed (exit {out.returncode}):\n{out.stderr[-3000:]}", flush=True)
        return None
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if package_dir is not None and not result.get("package", package_dir).startswith(package_dir):
        print(
            f"  warning: {kind} imported sklearn_lexembed from {result['package']}, not the "
            "snapshot",
            flush=True,
        )
    result["wall_seconds"] = wall_seconds
    return result


def _best_of(attempts):
    """The fastest run's time, the mean quality (2 threads are not deterministic), the first
    run's memory (it does not depend on load)."""
    done = [a for a in attempts if a is not None]
    if not done:
        return None
    best = dict(done[0])
    for metric in ("ws353", "simlex", "analogy"):
        best[f"{metric}_runs"] = [a[metric] for a in done]
        best[metric] = sum(best[f"{metric}_runs"]) / len(done)
    best["fit_times"] = [a["fit_seconds"] for a in done]
    best["fit_seconds"] = min(best["fit_times"])
    best["load_1min_before"] = min(done, key=lambda a: a["fit_seconds"])["load_1min_before"]
    return best


def _fmt(value, spec):
    return "n/a" if value is None else format(value, spec)


def table(results, n_tokens, epochs):
    header = (
        "| model | fit s | words/s | peer/ours time | fit adds MB | peak MB | "
        "ours/peer mem | WS353 | SimLex | analogy | vocab | load |"
    )
    lines = [header, "|" + "---|" * 12]
    peer = {}
    for name, kind, result in results:
        if result is None:
            lines.append(f"| {name} | failed | | | | | | | | | | |")
            continue
        words_per_second = n_tokens * epochs / result["fit_seconds"]
        adds = result["peak_mb"] - result["rss_before_mb"]
        time_ratio = memory_ratio = None
        if kind.startswith("gensim"):
            peer = {"seconds": result["fit_seconds"], "adds": adds, "result": result}
        elif peer:
            time_ratio = peer["seconds"] / result["fit_seconds"]
            memory_ratio = adds / peer["adds"] if peer["adds"] > 0 else None
        lines.append(
            f"| {name} | {result['fit_seconds']:.1f} | {words_per_second:,.0f} | "
            f"{_fmt(time_ratio, '.2f')} | {adds:.0f} | {result['peak_mb']:.0f} | "
            f"{_fmt(memory_ratio, '.2f')} | {result['ws353']:.3f} | {result['simlex']:.3f} | "
            f"{result['analogy']:.3f} | {result['vocab_size']} | "
            f"{result['load_1min_before']:.2f} |"
        )
    return "\n".join(lines)


def goals(results):
    lines = []
    by_kind = {kind: result for _, kind, result in results}
    for family, peer_kind, ours_kind in (
        ("word2vec", "gensim-w2v", "ours-w2v"),
        ("fasttext", "gensim-ft", "ours-ft"),
    ):
        peer, ours = by_kind.get(peer_kind), by_kind.get(ours_kind)
        if not peer or not ours:
            continue
        time_ratio = peer["fit_seconds"] / ours["fit_seconds"]
        cold_ratio = (peer["fit_seconds"] + peer["warmup_seconds"]) / (
            ours["fit_seconds"] + ours["warmup_seconds"]
        )
        memory_ratio = (ours["peak_mb"] - ours["rss_before_mb"]) / max(
            peer["peak_mb"] - peer["rss_before_mb"], 1e-9
        )
        peak_ratio = ours["peak_mb"] / peer["peak_mb"]
        deltas = {m: ours[m] - peer[m] for m in ("ws353", "simlex", "analogy")}
        lines.append(
            f"- {family}: throughput ratio {time_ratio:.2f} (goal >= 1.0: "
            f"{'met' if time_ratio >= 1.0 else 'missed'}; {cold_ratio:.2f} counting each side's "
            f"first-fit warm-up); memory ratio {memory_ratio:.2f} "
            f"(goal <= 1.5: {'met' if memory_ratio <= 1.5 else 'missed'}; whole-process peak "
            f"ratio {peak_ratio:.2f}); Spearman ours - gensim: "
            f"WS353 {deltas['ws353']:+.3f}, SimLex {deltas['simlex']:+.3f} (goal >= -0.02: "
            f"{'met' if min(deltas['ws353'], deltas['simlex']) >= -0.02 else 'missed'}); "
            f"analogy {deltas['analogy']:+.3f}"
        )
    return "\n".join(lines)


def details(results):
    lines = []
    for name, kind, result in results:
        if result is None:
            continue
        extra = (
            f"tokenizing for gensim {result['tokenize_seconds']:.1f} s (not in fit s), "
            f"build_vocab {result['vocab_seconds']:.1f} s"
            if kind.startswith("gensim")
            else f"WS353 by gensim's evaluator on our vectors {result['ws353_by_gensim']:.4f}, "
            f"loss_curve_ {[round(x, 4) for x in result['loss_curve']]}"
        )
        lines.append(
            f"- {name}: fit times {[round(t, 1) for t in result['fit_times']]} s (warm-up fit "
            f"{result['warmup_seconds']:.1f} s), WS353 "
            f"{[round(x, 3) for x in result['ws353_runs']]}, SimLex "
            f"{[round(x, 3) for x in result['simlex_runs']]}, analogy "
            f"{[round(x, 3) for x in result['analogy_runs']]}, RSS before fit {result['rss_before_mb']:.0f} MB, OOV pairs WS353 "
            f"{result['ws353_oov']:.1f}%, SimLex {result['simlex_oov']:.1f}%, {extra}"
            + ("" if result["peak_reset"] else "; VmHWM could not be reset: peak includes loading")
        )
    return "\n".join(lines)


def main():
    parser = argument_parser(__doc__, f"a {QUICK_TOKENS:,}-token slice, for a smoke run")
    parser.add_argument("--tokens", type=int, default=None, help="use the first N tokens")
    parser.add_argument(
        "--only",
        choices=sorted(CONTENDERS),
        action="append",
        help="run only this family (default: both)",
    )
    parser.add_argument(
        "--bucket",
        type=int,
        default=2_000_000,
        help="hashed n-gram buckets for both FastText and ours (gensim's default)",
    )
    parser.add_argument(
        "--output",
        default=None,
        help="markdown result file (default: benchmarks/results/skipgram.md, "
        "not written with --quick or --tokens)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="fit each model this many times, alternating; report the fastest",
    )
    parser.add_argument(
        "--working-tree",
        action="store_true",
        help="run the working tree's sklearn_lexembed, not a snapshot of git HEAD",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    max_tokens = args.tokens if args.tokens is not None else (QUICK_TOKENS if args.quick else None)
    if args.worker:
        worker(args.worker, max_tokens, args.bucket)
        return

    command = command_line()
    documents = load_documents(max_tokens)
    n_tokens = sum(len(tokens) for tokens in tokenize(documents))
    n_docs = len(documents)
    del documents
    have_ours = ours_available()
    package_dir = None
    revision = f"git {git_revision(mark_modified=True)}, working tree"
    if not args.working_tree:
        package_dir = tempfile.mkdtemp(prefix="bench_skipgram_")
        snapshot_package(package_dir)
        revision = f"sklearn_lexembed of git HEAD {git_revision()} (snapshot)"
    head = [
        f"versions: {library_versions()}; {revision}",
        f"threads: {THREADS} per fit (gensim workers=2, ours n_jobs=2); machine cores "
        f"{os.cpu_count()}",
        f"corpus: GCIDE definitions, {n_docs:,} documents, {n_tokens:,} tokens "
        f"({TOKEN_PATTERN} lowercased), shuffled with seed 0",
        f"hyperparameters: sg=1, {', '.join(f'{k}={v}' for k, v in PARAMS.items())}; FastText and "
        f"ours(subwords=True): min_n=3, max_n=6, bucket={args.bucket:,}; seed/random_state 0",
        f"load at start: {uptime()}",
    ]
    if not have_ours:
        head.append(
            "SkipGramVectorizer is not exported from sklearn_lexembed yet: running the "
            "gensim side only"
        )
    print("\n".join(head), flush=True)

    results = []
    for family in args.only or ["word2vec", "fasttext"]:
        runs = {}
        # Alternate peer and ours so that both see the same background load on average.
        for repeat in range(args.repeat):
            for name, kind in CONTENDERS[family]:
                if kind.startswith("ours") and not have_ours:
                    continue
                print(f"fitting {name} (run {repeat + 1}/{args.repeat}) ...", flush=True)
                result = run_worker(kind, args, package_dir)
                if result is not None:
                    print(
                        f"  fit {result['fit_seconds']:.1f} s, WS353 {result['ws353']:.3f}, "
                        f"SimLex {result['simlex']:.3f}, analogy {result['analogy']:.3f}, "
                        f"load {result['load_1min_before']:.2f}",
                        flush=True,
                    )
                runs.setdefault((name, kind), []).append(result)
        for (name, kind), attempts in runs.items():
            results.append((name, kind, _best_of(attempts)))
    if package_dir is not None:
        shutil.rmtree(package_dir, ignore_errors=True)
    end_load = f"load at end: {uptime()}"
    body = "\n\n".join(
        part
        for part in (
            table(results, n_tokens, PARAMS["epochs"]),
            goals(results),
            details(results),
            end_load,
        )
        if part
    )
    print("\n" + body)

    output = args.output
    if output is None and args.tokens is None and not args.quick:
        output = RESULTS_DIR / "skipgram.md"
    if output:
        write_results(
            output,
            "# SkipGramVectorizer vs gensim Word2Vec / FastText (issue 3)\n\n"
            f"Command: `{command}` (from the repository root)\n\n"
            "fit s = fit seconds (vocabulary scan + training), the fastest of the runs listed "
            "below (quality columns: the mean over runs); words/s = corpus tokens x epochs / fit s; "
            "peer/ours time > 1 means ours is faster. fit adds = peak RSS during fit (VmHWM, "
            "reset just before fit) minus RSS before fit; ours/peer mem compares that. "
            "Each fresh worker process first fits the 300 Lee documents for one epoch (warm-up: "
            "ours loads or compiles its numba kernels then), untimed in fit s, listed below. "
            "load = 1-minute load average before that fit (2 cores, shared machine).\n\n"
            + "```\n"
            + "\n".join(head)
            + "\n```\n\n"
            + body
            + "\n",
        )


if __name__ == "__main__":
    main()
