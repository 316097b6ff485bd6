"""
The speed/accuracy frontier: from TF-IDF to a transformer, and a distilled table between
========================================================================================

Which embedding to put in a pipeline is a choice on a frontier: the faster a vectorizer, the
less it usually knows. This example plots the frontier measured by
``benchmarks/bench_distilled.py`` on a real task: the WordNet supersense (25 classes) of
20,000 noun definitions, 4,000 held out, with a logistic regression on each contender's
output, on a 2-core CPU. :class:`~sklearn_lexembed.DistilledVectorizer` sits between the
static vectors and its teacher, all-MiniLM-L6-v2: its ``fit`` distils the teacher's
vocabulary and trains the table on the training definitions; its ``transform`` runs a
tokenizer and an average.

The numbers are read from ``benchmarks/results/distilled.json``, which the benchmark writes
(re-run it to measure your own machine); the second half shows the few lines that build the
distilled contender.
"""

# %%
# The measured frontier
# ---------------------
import json
from pathlib import Path

import matplotlib.pyplot as plt

results = json.loads(
    (Path(__file__).resolve().parents[1] / "benchmarks/results/distilled.json").read_text()
)
for row in results:
    print(f"{row['name']:<62} {row['accuracy']:.3f} {row['docs_per_second']:>10,.0f} docs/s")

fig, ax = plt.subplots(figsize=(7, 4.5))
for row in results:
    ours = row["name"].startswith("DistilledVectorizer")
    ax.scatter(row["docs_per_second"], row["accuracy"], s=60, color="C3" if ours else "C0")
    ax.annotate(
        row["name"].replace(" (", "\n("),
        (row["docs_per_second"], row["accuracy"]),
        textcoords="offset points",
        xytext=(6, -4),
        fontsize=7,
    )
ax.set_xscale("log")
ax.set_xlabel("transform speed (documents per second, 2 CPU threads, log scale)")
ax.set_ylabel("test accuracy (25 supersenses)")
ax.set_title("Speed against accuracy on WordNet noun definitions")
fig.tight_layout()
plt.show()

# %%
# Building the distilled contender
# --------------------------------
# The default teacher is the bundled all-MiniLM-L6-v2 (offline); ``fit`` distils its
# vocabulary, adds the corpus's frequent words it would split into pieces, and trains the
# table so each training document's average row points where the teacher's vector of that
# document points. The result goes in a pipeline like any vectorizer (shown, not run here:
# on 20,000 definitions it takes about two minutes on two cores)::
#
#     from sklearn.linear_model import LogisticRegression
#     from sklearn.pipeline import make_pipeline
#     from sklearn_lexembed import DistilledVectorizer
#
#     model = make_pipeline(DistilledVectorizer(n_jobs=2), LogisticRegression(max_iter=2000))
#     model.fit(train_definitions, train_supersenses)
#
# ``validation_scores_`` then tells how far corpus training brought the table towards its
# teacher on held-out training documents (mean cosine, before training first).
