"""Domain adaptation of GloVe with SkipGramVectorizer(init_vectors=...), against its baselines.

Domain: dictionary definitions, the WordNet 3.0 glosses (package ``wordnet-base``; see
``benchmarks/corpora.py``). Downstream task: predict a noun synset's WordNet supersense (its
lexicographer file: noun.animal, noun.artifact, noun.act, ... 25 classes) from its definition,
with a logistic regression on mean-pooled word vectors. The test definitions are held out of
everything: the vectors are trained on all other glosses (every part of speech, with their usage
examples), the classifier on a sample of the other noun definitions.

Contenders, all 50-dimensional, same pooling and classifier:
  (a) the pretrained GloVe 6B 50d vectors alone (``GloveVectorizer``);
  (b) skip-gram vectors trained from scratch on the domain corpus;
  (c) GloVe adapted on the domain corpus with ``init_strategy`` "freeze", "anchor" and "free".
Each trained model also reports WordSim-353 / SimLex-999 Spearman and, for the adapted ones, its
``drift_`` (mean cosine of the known words to their GloVe vectors, WS353 on those words before and
after).

Run: ``.venv/bin/python benchmarks/bench_domain.py`` (``--quick`` for a smoke run). The skip-gram
contenders train without subwords (word2vec); ``--subwords`` trains them as fastText does, the
estimator's default (results to ``benchmarks/results/domain_subwords.md``), and ``--strategies``
picks the ``init_strategy`` values to run.
"""

from __future__ import annotations

import os
import random
from functools import partial

import numpy as np
from _common import (
    RESULTS_DIR,
    argument_parser,
    command_line,
    git_revision,
    timed,
    uptime,
    versions,
    write_results,
)

# WordNet's lexicographer file numbers of the noun supersenses (lexnames(5WN)); noun.Tops (3)
# holds the 50-odd unique beginners and is left out.
NOUN_SUPERSENSES = {
    4: "act",
    5: "animal",
    6: "artifact",
    7: "attribute",
    8: "body",
    9: "cognition",
    10: "communication",
    11: "event",
    12: "feeling",
    13: "food",
    14: "group",
    15: "location",
    16: "motive",
    17: "object",
    18: "person",
    19: "phenomenon",
    20: "plant",
    21: "possession",
    22: "process",
    23: "quantity",
    24: "relation",
    25: "shape",
    26: "state",
    27: "substance",
    28: "time",
}
DIM = 50
COMMON = {
    "vector_size": DIM,
    "window": 5,
    "negative": 5,
    "min_count": 5,
    "epochs": 5,
    "subwords": False,
    "n_jobs": 2,
}


def noun_definitions():
    """(definition, supersense) of every noun synset, the usage examples cut off."""
    from corpora import WORDNET_DIR

    pairs = []
    with open(WORDNET_DIR / "data.noun", encoding="utf-8", errors="replace") as fin:
        for line in fin:
            if line.startswith("  "):
                continue
            fields, _, gloss = line.partition(" | ")
            lexfile = int(fields.split()[1])
            definition = gloss.split('; "')[0].strip()
            if lexfile in NOUN_SUPERSENSES and definition:
                pairs.append((definition, NOUN_SUPERSENSES[lexfile]))
    return pairs


def split(n_train, n_test, seed):
    from corpora import wordnet_documents

    pairs = noun_definitions()
    random.Random(seed).shuffle(pairs)
    test, train = pairs[:n_test], pairs[n_test : n_test + n_train]
    held_out = {definition for definition, _ in test}
    # A gloss document is "definition; examples": drop the ones whose definition is a test one.
    corpus = [doc for doc in wordnet_documents() if doc.split('; "')[0].strip() not in held_out]
    return corpus, train, test


def evaluate_vectors(store):
    from sklearn_lexembed.datasets import evaluation_path

    ws353 = store.evaluate_word_pairs(evaluation_path("wordsim353.tsv"))
    simlex = store.evaluate_word_pairs(evaluation_path("simlex999.txt"))
    return {
        "ws353": float(ws353[1].statistic),
        "ws353_oov": ws353[2],
        "simlex": float(simlex[1].statistic),
        "simlex_oov": simlex[2],
    }


def downstream(vectorizer, train, test, seed):
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x_train = vectorizer.transform([d for d, _ in train])
    x_test = vectorizer.transform([d for d, _ in test])
    y_train, y_test = [y for _, y in train], [y for _, y in test]
    classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    classifier.fit(x_train, y_train)
    predicted = classifier.predict(x_test)
    return {
        "accuracy": accuracy_score(y_test, predicted),
        "macro_f1": f1_score(y_test, predicted, average="macro"),
    }


def main():
    parser = argument_parser(__doc__)
    parser.add_argument(
        "--seeds", type=int, default=1, help="repeat with this many seeds (split and training)"
    )
    parser.add_argument("--anchor-strength", type=float, default=1.0)
    parser.add_argument(
        "--subwords",
        action="store_true",
        help="train the skip-gram contenders with subwords=True (fastText), the default of "
        "SkipGramVectorizer",
    )
    parser.add_argument(
        "--strategies",
        nargs="+",
        choices=["freeze", "anchor", "free"],
        default=["freeze", "anchor", "free"],
        help="the init_strategy values of the adapted contenders",
    )
    parser.add_argument(
        "--output",
        default=None,
        help="markdown result file (default: benchmarks/results/domain.md, or "
        "domain_subwords.md with --subwords; not written with --quick)",
    )
    args = parser.parse_args()
    common = dict(COMMON, subwords=args.subwords)
    command = command_line()
    n_train, n_test = (2000, 1000) if args.quick else (20000, 5000)

    from sklearn_lexembed import GloveVectorizer, SkipGramVectorizer

    libraries = versions("numpy", "scikit-learn", "torch", "numba", "gensim", "sklearn-lexembed")
    head = [
        f"versions: {libraries} (git {git_revision()})",
        f"threads: 2 (n_jobs=2), machine cores {os.cpu_count()}",
    ]
    rows = {}
    for seed in range(args.seeds):
        corpus, train, test = split(n_train, n_test, seed)
        if args.quick:
            corpus = corpus[:20000]
        n_tokens = sum(len(doc.split()) for doc in corpus)
        if seed == 0:
            head += [
                f"domain corpus: {len(corpus):,} WordNet glosses ({n_tokens:,} whitespace "
                f"tokens), test definitions removed; task: {len(train):,} train / {len(test):,} "
                f"test noun definitions, {len(NOUN_SUPERSENSES)} supersenses",
                f"skip-gram: sg, {', '.join(f'{k}={v}' for k, v in common.items())}; "
                f"anchor_strength={args.anchor_strength}; classifier: StandardScaler + "
                "LogisticRegression on mean-pooled vectors (oov='subword' for all)",
                f"load at start: {uptime()}",
            ]
            print("\n".join(head), flush=True)
        contenders = {
            "(a) GloVe 6B 50d, pretrained only": (GloveVectorizer, {}),
            "(b) skip-gram from scratch": (SkipGramVectorizer, dict(common, random_state=seed)),
        }
        for strategy in args.strategies:
            contenders[f"(c) GloVe adapted, {strategy}"] = (
                SkipGramVectorizer,
                dict(
                    common,
                    init_vectors="glove-wiki-gigaword-50",
                    init_strategy=strategy,
                    anchor_strength=args.anchor_strength,
                    random_state=seed,
                ),
            )
        for name, (estimator, params) in contenders.items():
            vectorizer = estimator(**params)
            seconds, _ = timed(partial(vectorizer.fit, corpus))
            row = {
                "fit_seconds": seconds,
                **downstream(vectorizer, train, test, seed),
                **evaluate_vectors(vectorizer.word_vectors_),
            }
            drift = getattr(vectorizer, "drift_", None)
            if drift:
                row.update({f"drift_{k}": v for k, v in drift.items()})
            rows.setdefault(name, []).append(row)
            print(
                f"seed {seed} {name}: fit {seconds:.1f} s, accuracy {row['accuracy']:.4f}, "
                f"macro-F1 {row['macro_f1']:.4f}, WS353 {row['ws353']:.3f}, SimLex "
                f"{row['simlex']:.3f}"
                + (
                    f", drift mean cosine {drift['mean_cosine']:.3f}, WS353 on known words "
                    f"{drift['ws353_before']:.3f} -> {drift['ws353_after']:.3f}"
                    if drift
                    else ""
                ),
                flush=True,
            )

    def mean(name, key):
        values = [r[key] for r in rows[name] if key in r]
        return float(np.mean(values)) if values else None

    def fmt(value, spec=".3f"):
        return "" if value is None else format(value, spec)

    lines = [
        "| vectors | accuracy | macro-F1 | WS353 | SimLex | drift: mean cos | WS353 known "
        "before | WS353 known after | fit s |",
        "|" + "---|" * 9,
    ]
    for name in rows:
        lines.append(
            f"| {name} | {fmt(mean(name, 'accuracy'), '.4f')} | "
            f"{fmt(mean(name, 'macro_f1'), '.4f')} | {fmt(mean(name, 'ws353'))} | "
            f"{fmt(mean(name, 'simlex'))} | {fmt(mean(name, 'drift_mean_cosine'))} | "
            f"{fmt(mean(name, 'drift_ws353_before'))} | {fmt(mean(name, 'drift_ws353_after'))} | "
            f"{fmt(mean(name, 'fit_seconds'), '.1f')} |"
        )
    glove, scratch = "(a) GloVe 6B 50d, pretrained only", "(b) skip-gram from scratch"
    best_baseline = max(mean(glove, "accuracy"), mean(scratch, "accuracy"))
    goals = []
    for strategy in args.strategies:
        name = f"(c) GloVe adapted, {strategy}"
        gain = mean(name, "accuracy") - best_baseline
        goals.append(
            f"- {strategy}: accuracy {gain:+.4f} against the better baseline "
            f"({'beats both' if gain > 0 else 'does not beat both'})"
        )
    anchor = "(c) GloVe adapted, anchor"
    if anchor in rows:
        ws_change = mean(anchor, "drift_ws353_after") - mean(anchor, "drift_ws353_before")
        goals.append(
            f"- anchor keeps WS353 (on the known words) within 0.02 of GloVe, i.e. loses "
            f"at most 0.02: change {ws_change:+.3f} "
            f"({'met' if ws_change >= -0.02 else 'missed'})"
        )
    body = "\n".join(lines) + "\n\n" + "\n".join(goals) + f"\n\nload at end: {uptime()}"
    print("\n" + body)
    default_output = "domain_subwords.md" if args.subwords else "domain.md"
    output = args.output or (None if args.quick else RESULTS_DIR / default_output)
    if output:
        write_results(
            output,
            "# Domain adaptation: GloVe continued on WordNet glosses (issue 8)\n\n"
            f"Command: `{command}` (from the repository root)\n\n"
            f"Columns are means over {args.seeds} seed(s). WS353 / SimLex: Spearman of all the "
            "model's vectors (pairs with an unknown word skipped, as gensim does). drift: "
            "``drift_`` of the adapted model, on the pretrained words that occur in the "
            "corpus.\n\n```\n" + "\n".join(head) + "\n```\n\n" + body + "\n",
        )


if __name__ == "__main__":
    main()
