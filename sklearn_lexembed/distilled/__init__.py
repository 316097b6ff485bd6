"""Static token tables distilled from a transformer teacher, trained on the user's corpus.

The estimator (``_vectorizer``) asks; ``_teacher`` runs the teacher (a fitted
ContextualVectorizer) on every token alone; ``_vocabulary`` picks the tokens that get a row
(the teacher's vocabulary and the corpus's frequent split words); ``_training`` trains the
table against the teacher's document vectors; ``_static_folders`` reads ready static models
(model2vec, sentence-transformers ``StaticEmbedding``).
"""

from ._vectorizer import DistilledVectorizer

__all__ = ["DistilledVectorizer"]
