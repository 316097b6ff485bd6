"""Write reference_vectors.npz: outputs of fixed fits, through the public API only.

Run once before a change that must not alter any vector (a refactor) and commit the file;
``tests/test_reference_vectors.py`` then refits the same estimators and compares. Every case
pins its threads (``n_jobs=1``) so the result does not depend on the machine's core count.

    .venv/bin/python tests/data/make_reference_vectors.py
"""

from pathlib import Path

import numpy as np

from sklearn_lexembed import (
    ContextualVectorizer,
    CosineNeighbors,
    GloveVectorizer,
    SkipGramVectorizer,
)
from sklearn_lexembed.datasets import load_lee_corpus, load_polarity

TEXTS = load_polarity()[0][:60] + ["blorfy filmz wiht typoes", "", "zzqx"]
LEE = load_lee_corpus()


def glove_cases():
    for pooling in ("mean", "max", "sif", "tfidf"):
        for oov in ("subword", "zero", "ignore"):
            name = f"glove-{pooling}-{oov}"
            yield name, GloveVectorizer(pooling=pooling, oov=oov).fit(TEXTS).transform(TEXTS)
    yield "glove-normalized", GloveVectorizer(normalize=True).fit(TEXTS).transform(TEXTS)


def skipgram_cases():
    common = dict(vector_size=16, min_count=2, epochs=2, random_state=0, n_jobs=1)
    for subwords in (True, False):
        model = SkipGramVectorizer(subwords=subwords, **common).fit(LEE)
        yield f"skipgram-subwords{subwords}-vectors", model.vectors_[:200]
        yield f"skipgram-subwords{subwords}-docs", model.transform(LEE[:20] + ["unseenword"])
    adapted = SkipGramVectorizer(
        vector_size=50,
        subwords=False,
        min_count=3,
        epochs=1,
        init_vectors="glove-wiki-gigaword-50",
        init_strategy="anchor",
        random_state=0,
        n_jobs=1,
    ).fit(LEE)
    yield "skipgram-anchor-vectors", adapted.vectors_[:200]


def contextual_cases():
    model = ContextualVectorizer(n_jobs=1).fit(TEXTS)
    yield "contextual-mean", model.transform(TEXTS[:12])
    chunked = ContextualVectorizer(max_length=16, long_text="chunk", n_jobs=1).fit(TEXTS)
    yield "contextual-chunk", chunked.transform(TEXTS[:6])
    yield "contextual-tokens", chunked.transform_tokens(TEXTS[:1])[0][1]


def neighbors_cases():
    rng = np.random.default_rng(0)
    index, queries = rng.normal(size=(500, 12)), rng.normal(size=(20, 12))
    distances, indices = (
        CosineNeighbors(n_neighbors=5, algorithm="brute", n_jobs=1).fit(index).kneighbors(queries)
    )
    yield "neighbors-brute-distances", distances
    yield "neighbors-brute-indices", indices


def main():
    arrays = {}
    for cases in (glove_cases, skipgram_cases, contextual_cases, neighbors_cases):
        arrays.update(cases())
    path = Path(__file__).with_name("reference_vectors.npz")
    np.savez_compressed(path, **arrays)
    print(f"wrote {len(arrays)} arrays to {path}")


if __name__ == "__main__":
    main()
