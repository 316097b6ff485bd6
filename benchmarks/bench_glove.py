"""GloveVectorizer against its peers, side by side in one process.

1. Documents/second of ``GloveVectorizer().transform`` against a per-document Python loop over
   gensim ``KeyedVectors``, zeugma's ``EmbeddingTransformer`` and scikit-learn's
   ``CountVectorizer.transform`` (tokenising is the floor) on 50,000 real glosses.
2. ``evaluate_word_analogies`` on all of questions-words against gensim's.
3. Load time and peak memory of the default vectors (in fresh processes).

Run: ``.venv/bin/python benchmarks/bench_glove.py`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import types

import numpy as np
from _common import IMPORT_IN_CHILD, argument_parser, best_of, timed, versions


def _short_documents(n_docs):
    from corpora import gcide_documents

    documents = [d for d in gcide_documents() if 3 <= len(d.split()) <= 40]
    return documents[:n_docs]


def _zeugma_transformer(keyed_vectors):
    """zeugma's EmbeddingTransformer without its package __init__, which imports TensorFlow."""
    spec = importlib.util.find_spec("zeugma")
    if spec is None:
        return None, "zeugma not installed (pip install --no-deps zeugma)"
    package = types.ModuleType("zeugma")
    package.__path__ = list(spec.submodule_search_locations)
    sys.modules.setdefault("zeugma", package)
    from zeugma.embeddings import EmbeddingTransformer

    return EmbeddingTransformer(model=keyed_vectors), None


def throughput(n_docs):
    from gensim.models import KeyedVectors
    from sklearn.feature_extraction.text import CountVectorizer

    from sklearn_lexembed import GloveVectorizer
    from sklearn_lexembed._core.text import DEFAULT_TOKEN_PATTERN

    documents = _short_documents(n_docs)
    n_tokens = sum(len(d.split()) for d in documents)
    print(f"corpus: {len(documents)} GCIDE definition sentences, {n_tokens} whitespace tokens")

    ours = GloveVectorizer().fit(documents[:100])
    ours.transform(documents[:2000])  # warm: builds the OOV n-gram table once
    store = ours.word_vectors_
    keyed_vectors = KeyedVectors(vector_size=store.n_dims)
    keyed_vectors.add_vectors(store.words, np.asarray(store.vectors))
    token = re.compile(DEFAULT_TOKEN_PATTERN)

    def gensim_loop():
        out = np.zeros((len(documents), store.n_dims), dtype=np.float32)
        for i, doc in enumerate(documents):
            words = [w for w in token.findall(doc.lower()) if w in keyed_vectors.key_to_index]
            if words:
                out[i] = keyed_vectors[words].mean(axis=0)
        return out

    count_vectorizer = CountVectorizer(token_pattern=DEFAULT_TOKEN_PATTERN).fit(documents)
    ours_ignore = GloveVectorizer(oov="ignore").fit(documents[:10])
    contenders = {
        "sklearn-lexembed GloveVectorizer (oov=subword)": lambda: ours.transform(documents),
        "sklearn-lexembed GloveVectorizer (oov=ignore)": lambda: ours_ignore.transform(documents),
        "gensim KeyedVectors per-document loop": gensim_loop,
        "scikit-learn CountVectorizer.transform (floor)": lambda: count_vectorizer.transform(
            documents
        ),
    }
    zeugma, why_not = _zeugma_transformer(keyed_vectors)
    if zeugma is not None:
        contenders["zeugma EmbeddingTransformer"] = lambda: zeugma.transform(documents)
    else:
        print(f"zeugma: skipped ({why_not})")

    timings = {}
    for name, function in contenders.items():
        seconds, _ = best_of(function)
        timings[name] = seconds
    ours_seconds = timings["sklearn-lexembed GloveVectorizer (oov=subword)"]
    print(f"\n{'contender':52s} {'docs/s':>10s} {'peer/ours':>10s}")
    for name, seconds in timings.items():
        print(f"{name:52s} {len(documents) / seconds:10.0f} {seconds / ours_seconds:10.2f}")

    ignore = ours_ignore.transform(documents)
    print(
        f"\nagreement: oov=ignore vs the gensim loop, max abs diff "
        f"{np.abs(ignore - gensim_loop()).max():.2e}"
    )


def analogies(restrict_vocab):
    from gensim.models import KeyedVectors

    from sklearn_lexembed.datasets import evaluation_path
    from sklearn_lexembed.static._resources import load_word_vectors

    path = evaluation_path("questions-words.txt")
    store = load_word_vectors("glove-wiki-gigaword-50")
    keyed_vectors = KeyedVectors(vector_size=store.n_dims)
    keyed_vectors.add_vectors(store.words, np.asarray(store.vectors))
    keyed_vectors.fill_norms()
    _ = store.unit_vectors
    ours_seconds, (ours, _) = timed(
        lambda: store.evaluate_word_analogies(path, restrict_vocab=restrict_vocab)
    )
    gensim_seconds, (theirs, _) = timed(
        lambda: keyed_vectors.evaluate_word_analogies(path, restrict_vocab=restrict_vocab)
    )
    print(f"\nquestions-words.txt, restrict_vocab={restrict_vocab}")
    print(f"  sklearn-lexembed: accuracy {ours:.4f} in {ours_seconds:.1f} s")
    print(f"  gensim          : accuracy {theirs:.4f} in {gensim_seconds:.1f} s")
    print(f"  speed ratio gensim/ours = {gensim_seconds / ours_seconds:.1f}x")


# Peak memory is VmHWM (``status_mb``), not ru_maxrss, which a child inherits from its parent.
_LOAD_SCRIPT = (
    IMPORT_IN_CHILD
    + """
import json, time
start = time.perf_counter()
from sklearn_lexembed.static._resources import load_word_vectors
import pyarrow.parquet
imported = time.perf_counter()
store = load_word_vectors("glove-wiki-gigaword-50")
loaded = time.perf_counter() - imported
store.word_vectors(["king", "queen"])
print(json.dumps({"seconds": loaded, "imports": imported - start,
                  "maxrss_mb": status_mb("VmHWM")}))
"""
)

_BASELINE_SCRIPT = (
    IMPORT_IN_CHILD
    + """
import json
import sklearn_lexembed.static._resources, pyarrow.parquet
print(json.dumps({"maxrss_mb": status_mb("VmHWM")}))
"""
)


def load_cost():
    def run(script):
        out = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    baseline = run(_BASELINE_SCRIPT)
    loaded = run(_LOAD_SCRIPT)
    print("\ndefault vectors (glove-wiki-gigaword-50, 400000 x 50) in a fresh process:")
    print(f"  load time {loaded['seconds']:.2f} s (after {loaded['imports']:.2f} s of imports)")
    print(
        f"  peak RSS {loaded['maxrss_mb']:.0f} MB, of which the load adds "
        f"{loaded['maxrss_mb'] - baseline['maxrss_mb']:.0f} MB (the 80 MB matrix is "
        "memory-mapped: pages are shared, not copied)"
    )


def main():
    parser = argument_parser(__doc__)
    parser.add_argument(
        "--only",
        choices=["throughput", "analogies", "load"],
        action="append",
        help="run only these parts (default: all)",
    )
    args = parser.parse_args()
    parts = args.only or ["throughput", "analogies", "load"]
    import torch

    print(versions("numpy", "scikit-learn", "gensim", "torch", "sklearn-lexembed"))
    print(f"threads: torch {torch.get_num_threads()}, machine cores {os.cpu_count()}")
    if "throughput" in parts:
        throughput(5000 if args.quick else 50000)
    if "analogies" in parts:
        analogies(30000 if args.quick else 400000)
    if "load" in parts:
        load_cost()


if __name__ == "__main__":
    main()
