"""Transformer encoders as vectorizers: model loading, batching and mask-aware pooling.

A new inference backend (ONNX Runtime, say) is one module here that turns padded batches of
token ids into hidden states, chosen by the estimator in one place.
"""

from ._vectorizer import ContextualVectorizer

__all__ = ["ContextualVectorizer"]
