"""Transformer encoders as vectorizers: model loading, batching and mask-aware pooling.

Backends (torch, ONNX Runtime, OpenVINO) are one module each that turns padded batches of token
ids into hidden states, chosen by the estimator in one place (``_encoder``).
"""

from ._vectorizer import ContextualVectorizer

__all__ = ["ContextualVectorizer"]
