"""Mask-aware pooling of hidden states, checked on hand-built tensors."""

import re

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sklearn_lexembed.contextual._mask_pooling import mask_pool  # noqa: E402

# Two sequences, three positions, two dims. Sequence 0 has real tokens at 0 and 1 (position 2
# is padding holding a large value that must be ignored); sequence 1 is all padding.
HIDDEN = torch.tensor(
    [
        [[1.0, 2.0], [3.0, -4.0], [100.0, 100.0]],
        [[5.0, 6.0], [7.0, 8.0], [9.0, 10.0]],
    ]
)
MASK = torch.tensor([[1, 1, 0], [0, 0, 0]])


def test_mean_ignores_padding_and_clamps_divisor():
    # seq 0: ([1, 2] + [3, -4]) / 2 = [2, -1]; seq 1: sum 0 / clamp(0 -> 1) = [0, 0] (no NaN).
    out = mask_pool(HIDDEN, MASK, "mean")
    np.testing.assert_array_equal(out.numpy(), [[2.0, -1.0], [0.0, 0.0]])


def test_max_ignores_padding():
    # seq 0: max([1, 3]) = 3, max([2, -4]) = 2 (the padded 100s are excluded); seq 1: zeros.
    out = mask_pool(HIDDEN, MASK, "max")
    np.testing.assert_array_equal(out.numpy(), [[3.0, 2.0], [0.0, 0.0]])


def test_cls_is_first_token():
    out = mask_pool(HIDDEN, MASK, "cls")
    np.testing.assert_array_equal(out.numpy(), [[1.0, 2.0], [5.0, 6.0]])


def test_half_precision_sums_in_float32():
    # 4,000 tokens of 0.1 + 1e-3 * i: float16 accumulation would drift; the float32 result
    # equals the exact mean of the float16-rounded inputs to 1e-4.
    values = (0.1 + 1e-3 * torch.arange(4000, dtype=torch.float32)).to(torch.float16)
    hidden = values.reshape(1, 4000, 1)
    mask = torch.ones(1, 4000, dtype=torch.int64)
    out = mask_pool(hidden, mask, "mean")
    assert out.dtype == torch.float32
    assert abs(out.item() - values.double().mean().item()) < 1e-4


def test_unknown_mode_lists_valid_modes():
    with pytest.raises(ValueError, match=re.escape("Unknown pooling 'avg'; expected one of")):
        mask_pool(HIDDEN, MASK, "avg")
