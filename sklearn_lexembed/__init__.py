"""Word and text embeddings as first-class scikit-learn estimators.

Heavy libraries (torch, transformers, faiss) are imported only when an estimator needs them, so
``import sklearn_lexembed`` stays fast and safe in worker processes.
"""

from ._core.cache import clear_cache
from .contextual import ContextualVectorizer
from .distilled import DistilledVectorizer
from .neighbors import CosineNeighbors
from .skipgram import SkipGramVectorizer
from .static import GloveVectorizer, WordVectors, allow_unsafe_references

__version__ = "0.1.0"

__all__ = [
    "ContextualVectorizer",
    "CosineNeighbors",
    "DistilledVectorizer",
    "GloveVectorizer",
    "SkipGramVectorizer",
    "WordVectors",
    "__version__",
    "allow_unsafe_references",
    "clear_cache",
]
