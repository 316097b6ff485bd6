"""Mask-aware pooling of transformer hidden states into one row per sequence.

Sums run in float32 whatever the model's dtype (float16 sums of hundreds of tokens lose
digits), and the mean's divisor is clamped so an all-padding row gives zeros, not NaN.
``mask_pool`` takes torch tensors, ``mask_pool_array`` numpy arrays (the ONNX backend), with
the same rules.
"""

from __future__ import annotations

import numpy as np

__all__ = ["POOLING_MODES", "mask_pool", "mask_pool_array"]

POOLING_MODES = ("mean", "max", "cls")


def mask_pool(hidden, mask, method="mean"):
    """Pool hidden states over the real (unmasked) tokens of each sequence.

    Parameters
    ----------
    hidden : torch.Tensor of shape (n_sequences, n_tokens, n_dims)
        Hidden states of one layer, in any floating dtype.
    mask : torch.Tensor of shape (n_sequences, n_tokens)
        Attention mask: 1 for a real token, 0 for padding.
    method : {"mean", "max", "cls"}, default="mean"
        ``"mean"`` averages the real tokens, ``"max"`` takes their elementwise maximum,
        ``"cls"`` takes the first token.

    Returns
    -------
    pooled : torch.Tensor of shape (n_sequences, n_dims), float32
    """
    import torch

    if method not in POOLING_MODES:
        raise ValueError(f"Unknown pooling {method!r}; expected one of {set(POOLING_MODES)}.")
    hidden = hidden.float()
    if method == "cls":
        return hidden[:, 0]
    real = mask.to(torch.bool).unsqueeze(-1)
    if method == "max":
        pooled = hidden.masked_fill(~real, float("-inf")).amax(dim=1)
        # A sequence without real tokens has no maximum: zeros rather than -inf.
        return torch.where(torch.isinf(pooled), torch.zeros_like(pooled), pooled)
    summed = (hidden * real).sum(dim=1)
    counts = real.sum(dim=1).clamp(min=1).float()
    return summed / counts


def mask_pool_array(hidden, mask, method="mean"):
    """:func:`mask_pool` for numpy arrays (no torch).

    Parameters
    ----------
    hidden : ndarray of shape (n_sequences, n_tokens, n_dims)
    mask : ndarray of shape (n_sequences, n_tokens)
    method : {"mean", "max", "cls"}, default="mean"

    Returns
    -------
    pooled : ndarray of shape (n_sequences, n_dims), float32
    """
    if method not in POOLING_MODES:
        raise ValueError(f"Unknown pooling {method!r}; expected one of {set(POOLING_MODES)}.")
    hidden = np.asarray(hidden, dtype=np.float32)
    if method == "cls":
        return np.ascontiguousarray(hidden[:, 0])
    real = mask.astype(bool)[:, :, None]
    if method == "max":
        pooled = np.where(real, hidden, -np.inf).max(axis=1)
        return np.where(np.isinf(pooled), np.float32(0), pooled).astype(np.float32)
    summed = np.einsum("btd,bt->bd", hidden, mask.astype(np.float32))
    counts = np.maximum(real.sum(axis=1), 1).astype(np.float32)
    return summed / counts
