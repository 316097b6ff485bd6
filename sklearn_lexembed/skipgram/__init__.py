"""Skip-gram word vectors trained on the user's corpus: the estimator and its trainer.

The estimator (``_vectorizer``) asks; the trainer (``_trainer``) counts the vocabulary
(``_vocab``), sets the starting point (``_initial``) and runs the numba kernel (``_kernel``) or
the torch path (``_torch``), and hands back a word-vector store, as gensim's ``Word2Vec`` hands
back ``KeyedVectors``.
"""

from ._vectorizer import SkipGramVectorizer

__all__ = ["SkipGramVectorizer"]
