"""Static word vectors pooled per document: the store, its sources, subwords and pooling.

A new static vectorizer subclasses :class:`~sklearn_lexembed.static._base.StaticVectorizerBase`
and implements its ``_fit_word_vectors`` hook; everything after the store is shared.
"""

from ._glove import GloveVectorizer
from ._resources import allow_unsafe_references
from ._store import WordVectors

__all__ = ["GloveVectorizer", "WordVectors", "allow_unsafe_references"]
