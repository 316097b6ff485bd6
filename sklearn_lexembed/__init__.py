"""Word and text embeddings as first-class scikit-learn estimators.

Heavy libraries (torch, transformers, faiss) are imported only when an estimator needs them, so
``import sklearn_lexembed`` stays fast and safe in worker processes.
"""

from ._store import WordVectors
from .contextual import ContextualVectorizer
from .glove import GloveVectorizer
from .neighbors import CosineNeighbors
from .skipgram import SkipGramVectorizer

__version__ = "0.1.0"

__all__ = ["ContextualVectorizer", "CosineNeighbors", "GloveVectorizer", "SkipGramVectorizer", "WordVectors", "__version__"]
