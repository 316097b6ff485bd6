"""
Misspellings and rare words: subword fallback
=============================================

GloVe knows 400,000 words, but real text still contains words it has never seen: typos,
rare inflections, new coinages. :class:`~sklearn_lexembed.GloveVectorizer` chooses what happens
to them with ``oov``:

* ``"subword"`` (the default) composes a vector from the word's character n-grams (3 to 6
  characters, with fastText's ``<`` and ``>`` word-boundary markers), learned from the known
  vocabulary, so "algoritm" lands near "algorithm";
* ``"zero"`` counts the word as a zero vector;
* ``"ignore"`` drops it.

This example shows the composed vectors for a few unseen words, measures how close composed
vectors come to the true vectors of held-out words, and measures what the policies do to a
sentences full of typos.
"""

# %%
# Words GloVe has never seen
# --------------------------
import re

import matplotlib.pyplot as plt
import numpy as np

from sklearn_lexembed import GloveVectorizer
from sklearn_lexembed.datasets import load_lee_corpus

glove = GloveVectorizer().fit([])
store = glove.word_vectors_
unseen = {
    "algoritm": "algorithm",
    "beautifull": "beautiful",
    "concious": "conscious",
    "libary": "library",
    "overcautiously": "cautiously",
    "deglobalization": "globalization",
    "microplastics": "plastics",
}
assert not any(word in store for word in unseen)

composed = glove.word_vectors(list(unseen))
unit = store.unit_vectors[:50_000]  # the 50,000 most frequent words
for (word, meant), vector in zip(unseen.items(), composed):
    nearest = np.argsort(-(unit @ (vector / np.linalg.norm(vector))))[:4]
    cosine = float(
        vector
        @ store.word_vectors(meant)
        / np.linalg.norm(vector)
        / np.linalg.norm(store.word_vectors(meant))
    )
    print(
        f"{word:>16} -> {', '.join(store.words[i] for i in nearest):40} cos({meant}) = {cosine:.2f}"
    )

# %%
# Held-out words: composed vs true vectors
# ----------------------------------------
# Remove 300 words of ranks 5,000 to 50,000 from the table, fit on the rest (``vectors`` also
# takes a ``(words, matrix)`` pair), and compose vectors for the removed words. A composed vector
# is useful if it is closer to the word's true vector than to the vector of a random word.
rng = np.random.default_rng(0)
candidates = [i for i in range(5_000, 50_000) if store.words[i].isalpha()]
held_out = rng.choice(candidates, size=300, replace=False)
keep = np.ones(len(store), dtype=bool)
keep[held_out] = False
reduced = GloveVectorizer(
    vectors=([w for w, k in zip(store.words, keep) if k], np.asarray(store.vectors)[keep])
).fit([])
held_words = [store.words[i] for i in held_out]
guess = reduced.word_vectors(held_words)
true = np.asarray(store.vectors)[held_out]
random_words = np.asarray(store.vectors)[rng.choice(np.flatnonzero(keep)[:50_000], size=300)]


def cosines(a, b):
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return np.einsum("ij,ij->i", a, b) / np.where(norms == 0, 1, norms)


to_true, to_random = cosines(guess, true), cosines(guess, random_words)
print(
    f"Composed vs true vector: median cosine {np.median(to_true):.2f}; "
    f"vs a random word's vector: {np.median(to_random):.2f}; "
    f"closer to the true vector for {np.mean(to_true > to_random):.0%} of 300 words"
)

# %%
# Sentences full of typos
# -----------------------
# Split the Lee news corpus into its 2,490 distinct sentences of eight words or more, and put a typo
# (a deleted, swapped or doubled letter) into a share of the words of four letters or more,
# keeping only typos that GloVe does not know (many common misspellings are among its 400,000
# words). Then ask, for each policy: is a corrupted sentence's nearest clean sentence still its
# original?


def add_typos(text, rate, rng, known):
    words = text.split()
    for i, word in enumerate(words):
        if len(word) < 4 or not word.isalpha() or rng.random() >= rate:
            continue
        for _ in range(5):  # try a few edits until one is out of vocabulary
            j = int(rng.integers(1, len(word) - 1))
            kind = int(rng.integers(3))
            if kind == 0:
                typo = word[:j] + word[j + 1 :]
            elif kind == 1:
                typo = word[: j - 1] + word[j] + word[j - 1] + word[j + 1 :]
            else:
                typo = word[:j] + word[j] + word[j:]
            if typo.lower() not in known:
                words[i] = typo
                break
    return " ".join(words)


sentences = list(
    dict.fromkeys(  # unique sentences, so each has one original
        sentence
        for document in load_lee_corpus()
        for sentence in re.split(r"(?<=[.!?])\s+", document)
        if len(sentence.split()) >= 8
    )
)
print(f"{len(sentences)} sentences")
rates = [0.1, 0.25, 0.5, 0.75, 1.0]
policies = ["subword", "zero", "ignore"]
vectorizers = {oov: GloveVectorizer(oov=oov, normalize=True).fit(sentences) for oov in policies}
clean = {oov: vectorizers[oov].transform(sentences) for oov in policies}
recovered = {oov: [] for oov in policies}
for rate in rates:
    noisy_sentences = [
        add_typos(s, rate, np.random.default_rng(i), store) for i, s in enumerate(sentences)
    ]
    if rate == 0.5:
        print("clean:", sentences[1])
        print("typos:", noisy_sentences[1])
    for oov in policies:
        noisy = vectorizers[oov].transform(noisy_sentences)
        found = np.argmax(noisy @ clean[oov].T, axis=1) == np.arange(len(sentences))
        recovered[oov].append(found.mean())
for oov in policies:
    print(
        f"oov={oov!r:9}: original found for "
        + ", ".join(f"{r:.0%} (typo rate {rate})" for r, rate in zip(recovered[oov], rates))
    )

# %%
# ``"zero"`` and ``"ignore"`` point the same way under mean pooling (a zero vector only shrinks
# the mean), so after normalisation they find almost exactly the same sentences. The composed vectors keep
# part of what each misspelled word meant, so more corrupted sentences find their original.
fig, ax = plt.subplots(figsize=(6.5, 4.5))
for oov, style in zip(policies, ["o-", "s--", "x:"]):
    ax.plot(rates, recovered[oov], style, label=f"oov={oov!r}")
ax.set_xlabel("share of words (4+ letters) given an unknown typo")
ax.set_ylabel("nearest clean sentence is the original")
ax.set_title(f"Retrieving {len(sentences)} Lee corpus sentences from typo'd copies")
ax.set_ylim(0.4, 1.01)
ax.legend(frameon=False)
fig.tight_layout()
plt.show()
