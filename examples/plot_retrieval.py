"""
Semantic search with CosineNeighbors, exact and approximate
===========================================================

:class:`~sklearn_lexembed.CosineNeighbors` is scikit-learn's neighbours API under cosine
distance. Given an ``encoder`` it indexes raw texts: here the 300 news documents of the Lee
corpus (shipped with gensim), embedded by a :class:`~sklearn_lexembed.GloveVectorizer` with
SIF pooling, are searched with free-text queries.

The second half trades exactness for speed: on 50,000 GloVe word vectors it measures how many
of the true ten nearest neighbours the approximate algorithms find (recall@10) and how fast,
against the exact brute force.
"""

# %%
# Search news documents with free text
# ------------------------------------
# The encoder is cloned and fitted on the indexed documents (SIF learns its common direction
# from them); queries go through the same encoder.
import time

import matplotlib.pyplot as plt
import numpy as np

from sklearn_lexembed import CosineNeighbors, GloveVectorizer
from sklearn_lexembed.datasets import load_lee_corpus

documents = load_lee_corpus()
search = CosineNeighbors(n_neighbors=2, encoder=GloveVectorizer(pooling="sif")).fit(documents)
queries = [
    "bushfires threaten homes near Sydney",
    "peace talks between Israel and the Palestinians",
    "the cricket team won the test match",
]
distances, indices = search.kneighbors(queries)
for query, row_distances, row_indices in zip(queries, distances, indices):
    print(f"{query!r}")
    for distance, index in zip(row_distances, row_indices):
        print(f"   {distance:.3f}  {documents[index][:80]}...")

# %%
# Every document's nearest other document
# ---------------------------------------
# ``kneighbors()`` without queries searches the index itself, leaving each document out of its
# own neighbours, as scikit-learn does. A distance of 0 flags a repeated document (the Lee
# corpus has a few); the closest pair of different documents is a near-duplicate story.
distances, indices = search.kneighbors(n_neighbors=1)
repeated = distances[:, 0] < 1e-6
print(f"{repeated.sum()} documents have an identical twin in the corpus")
closest = int(np.argmin(np.where(repeated, np.inf, distances[:, 0])))
print(
    f"Closest different documents: {closest} and {indices[closest, 0]} "
    f"(distance {distances[closest, 0]:.3f})"
)
print(f"  {documents[closest][:90]}...")
print(f"  {documents[indices[closest, 0]][:90]}...")

# %%
# Recall and speed on 50,000 word vectors
# ---------------------------------------
# The index holds the 50,000 most frequent GloVe words; the queries are 500 other words. The
# exact answer is ``algorithm="brute"``. ``"hnsw"`` (hnswlib) and ``"faiss"`` (here an IVF
# index with 256 lists) are approximate; their search effort, ``ef_search`` and ``n_probe``,
# is read at query time, so one fitted index serves every setting.
vectors = GloveVectorizer().fit([]).word_vectors_.vectors
index, held_out = np.asarray(vectors[:50000]), np.asarray(vectors[50000:100000])
word_queries = held_out[np.random.default_rng(0).choice(len(held_out), 500, replace=False)]


def timed_kneighbors(estimator):
    start = time.perf_counter()
    found = estimator.kneighbors(word_queries, return_distance=False)
    return found, len(word_queries) / (time.perf_counter() - start)


exact = CosineNeighbors(n_neighbors=10, algorithm="brute").fit(index)
truth, brute_speed = timed_kneighbors(exact)


def recall(found):
    return np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth)])


curves = {}
settings = {
    "hnsw": (
        "ef_search",
        [10, 20, 40, 80, 160],
        CosineNeighbors(n_neighbors=10, algorithm="hnsw", ef_construction=100, random_state=0),
    ),
    "faiss IVF256": (
        "n_probe",
        [1, 2, 4, 8, 16],
        CosineNeighbors(
            n_neighbors=10, algorithm="faiss", faiss_index="IVF256,Flat", random_state=0
        ),
    ),
}
for name, (parameter, values, estimator) in settings.items():
    start = time.perf_counter()
    estimator.fit(index)
    print(f"{name}: built in {time.perf_counter() - start:.1f} s")
    curves[name] = []
    for value in values:
        found, speed = timed_kneighbors(estimator.set_params(**{parameter: value}))
        curves[name].append((recall(found), speed, f"{parameter}={value}"))
        print(f"  {parameter}={value:<4d} recall@10 {recall(found):.3f}  {speed:8.0f} queries/s")
print(f"brute force: recall@10 1.000  {brute_speed:8.0f} queries/s")

# %%
# Asking for a recall instead of a setting
# ----------------------------------------
# ``target_recall`` turns the dial for you: ``fit`` holds a tenth of the rows out of the graph,
# searches them at increasing ``ef_search``, compares with exact search, and keeps the smallest
# setting whose 95% confidence interval clears the target. ``measure_recall`` checks the promise
# on the queries a service really gets.
tuned = CosineNeighbors(
    n_neighbors=10, algorithm="hnsw", ef_construction=100, target_recall=0.95, random_state=0
).fit(index)
low, high = tuned.recall_interval_
print(f"chosen {tuned.query_params_}: recall@10 {tuned.recall_:.3f} ({low:.3f} to {high:.3f})")
check = tuned.measure_recall(word_queries)
print(
    f"on the 500 held-out words: recall@10 {check.recall:.3f} ({check.low:.3f} to {check.high:.3f})"
)

# %%
# The trade-off
# -------------
# Up and to the right is better. The approximate indexes answer many times more queries per
# second once they are built, and reach a recall near 1 at their larger settings; the brute
# force is exact at every point, costs no build, and is the better choice for indexes of
# this size unless the query load is high.
fig, ax = plt.subplots(figsize=(7, 4.5))
for color, (name, points) in zip(["C0", "C1"], curves.items()):
    recalls, speeds, labels = zip(*points)
    ax.plot(recalls, speeds, "o-", color=color, label=name)
    for x, y, label in zip(recalls, speeds, labels):
        ax.annotate(label, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
ax.plot([1.0], [brute_speed], "s", color="k", label="brute (exact)")
ax.set_yscale("log")
ax.set_xlabel("recall@10")
ax.set_ylabel("queries per second (log scale)")
ax.set_title("50,000 GloVe words, 500 queries, k=10")
ax.legend(loc="lower left", frameon=False)
fig.tight_layout()
plt.show()
