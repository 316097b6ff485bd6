"""
Tuning skip-gram vectors inside a classification pipeline
=========================================================

:class:`~sklearn_lexembed.SkipGramVectorizer` learns word vectors from the documents it is
fitted on and embeds each document as the mean of its word vectors. Put in a
:class:`~sklearn.pipeline.Pipeline` in front of a classifier, each cross-validation split trains
its own vectors on its own training documents only, so the word vectors' hyperparameters, here
the context ``window`` and the ``vector_size``, are tuned with
:class:`~sklearn.model_selection.GridSearchCV` like any other estimator's, and no held-out text
leaks into them.

The data: 200 Usenet posts from two newsgroups, ``alt.atheism`` and ``sci.space`` (a subset of
20 Newsgroups that ships with gensim's test data, so nothing is downloaded), about 66,000 words.
"""

# %%
# Load the posts
# --------------
# :func:`~sklearn_lexembed.datasets.load_mini_newsgroups` cuts off the headers, which name the
# newsgroup: the classifier must learn the topic from the body.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_lexembed import SkipGramVectorizer
from sklearn_lexembed.datasets import load_mini_newsgroups

texts, labels = load_mini_newsgroups()
texts_train, texts_test, y_train, y_test = train_test_split(
    texts, labels, test_size=0.25, stratify=labels, random_state=0
)
n_words = sum(len(text.split()) for text in texts_train)
print(
    f"{len(texts_train)} training posts ({n_words} words), {len(texts_test)} test posts; "
    "classes: alt.atheism (0), sci.space (1)"
)

# %%
# Search over the window and the dimension
# ----------------------------------------
# Each of the 3 x 3 settings is trained and scored on 3 splits, so the grid fits 27 skip-gram
# models on about 30,000 words each. The corpus is small: ``min_count=2`` keeps words seen twice,
# and 10 epochs give each word enough updates. ``subwords=False`` trains word vectors only
# (fastText-style n-grams add little on a topic task). SIF pooling weights rare words up and
# removes the direction that all documents share, which a plain mean is dominated by; the
# scaler puts the document vectors' dimensions on the scale the regularised classifier expects.
pipeline = Pipeline(
    [
        (
            "emb",
            SkipGramVectorizer(
                min_count=2, epochs=10, subwords=False, pooling="sif", n_jobs=2, random_state=0
            ),
        ),
        ("scale", StandardScaler()),
        ("clf", LogisticRegression(max_iter=1000)),
    ]
)
windows = [2, 5, 10]
vector_sizes = [25, 50, 100]
search = GridSearchCV(
    pipeline,
    {"emb__window": windows, "emb__vector_size": vector_sizes},
    cv=3,
    scoring="accuracy",
)
search.fit(texts_train, y_train)
print(f"best: {search.best_params_}, cross-validated accuracy {search.best_score_:.3f}")
print(f"held-out accuracy of the refitted best pipeline: {search.score(texts_test, y_test):.3f}")

# %%
# A sparse baseline
# -----------------
# Word counts are a strong baseline on topic classification: the two newsgroups use different
# words, and tf-idf sees every one of them, while the skip-gram vectors are learnt from scratch
# on the 100 posts of each training split, where most words occur only a few times.
baseline = Pipeline([("tfidf", TfidfVectorizer()), ("clf", LogisticRegression(max_iter=1000))])
tfidf_scores = cross_val_score(baseline, texts_train, y_train, cv=3, scoring="accuracy")
print(f"tf-idf + logistic regression, cross-validated accuracy {tfidf_scores.mean():.3f}")

# %%
# The mean test score of each setting
# -----------------------------------
# ``cv_results_`` has one entry per setting; arrange the mean scores as a table.
scores = np.empty((len(vector_sizes), len(windows)))
for params, score in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"]):
    scores[vector_sizes.index(params["emb__vector_size"]), windows.index(params["emb__window"])] = (
        score
    )
fig, ax = plt.subplots(figsize=(6, 4.5))
image = ax.imshow(scores, cmap="viridis", origin="lower")
for i in range(len(vector_sizes)):
    for j in range(len(windows)):
        ax.text(
            j,
            i,
            f"{scores[i, j]:.3f}",
            ha="center",
            va="center",
            color="black" if scores[i, j] > scores.mean() else "white",
        )
ax.set_xticks(range(len(windows)), [str(w) for w in windows])
ax.set_yticks(range(len(vector_sizes)), [str(v) for v in vector_sizes])
ax.set_xlabel("window")
ax.set_ylabel("vector_size")
ax.set_title("SkipGramVectorizer (SIF) + LogisticRegression\nmean cross-validated accuracy")
fig.colorbar(image, ax=ax, label="accuracy")
fig.tight_layout()
plt.show()
