import numpy as np
import pytest

from sklearn_lexembed.static._pooling import (
    pool,
    remove_component,
    sif_weights,
    zipf_probabilities,
)

TABLE = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 3.0]], dtype=np.float32)
EXTRA = np.array([[-4.0, 8.0]], dtype=np.float32)
# doc0 = rows [0, 1], doc1 = [] (empty), doc2 = [2, 3 (EXTRA[0]), -1 (zero vector)]
INDPTR = np.array([0, 2, 2, 5])
ROWS = np.array([0, 1, 2, 3, -1])


def test_mean_over_stacked_tables_with_empty_and_zero_tokens():
    out = pool(INDPTR, ROWS, [TABLE, EXTRA], "mean")
    # doc0: ([1,0] + [0,2]) / 2; doc1: zero row; doc2: ([3,3] + [-4,8] + [0,0]) / 3
    expected = [[0.5, 1.0], [0.0, 0.0], [-1 / 3, 11 / 3]]
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    assert out.dtype == np.float32
    assert np.isfinite(out).all()


def test_weighted_mean():
    weights = np.array([3.0, 1.0, 1.0, 1.0, 2.0])
    out = pool(INDPTR, ROWS, [TABLE, EXTRA], "tfidf", weights)
    # doc0: (3*[1,0] + 1*[0,2]) / 4; doc2: ([3,3] + [-4,8] + 2*[0,0]) / 4
    np.testing.assert_allclose(out, [[0.75, 0.5], [0, 0], [-0.25, 2.75]], rtol=1e-6)


def test_max():
    out = pool(INDPTR, ROWS, [TABLE, EXTRA], "max")
    # doc2 takes the max of [3,3], [-4,8] and the zero vector.
    np.testing.assert_array_equal(out, [[1.0, 2.0], [0.0, 0.0], [3.0, 8.0]])


def test_all_documents_empty():
    out = pool(np.zeros(4, dtype=np.int64), np.zeros(0, dtype=np.int64), [TABLE], "mean")
    np.testing.assert_array_equal(out, np.zeros((3, 2)))


def test_unknown_method_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"one of \('mean', 'max', 'sif', 'tfidf'\); got 'avg'"):
        pool(INDPTR, ROWS, [TABLE, EXTRA], "avg")


def test_sif_helpers():
    p = zipf_probabilities(4)
    np.testing.assert_allclose(p.sum(), 1.0)
    assert (np.diff(p) < 0).all()
    np.testing.assert_allclose(sif_weights([0.0, 1e-3], alpha=1e-3), [1.0, 0.5])
    pooled = np.array([[1.0, 1.0], [2.0, 0.0]], dtype=np.float32)
    component = np.array([1.0, 0.0], dtype=np.float32)
    np.testing.assert_allclose(remove_component(pooled, component), [[0.0, 1.0], [0.0, 0.0]])


def test_trailing_empty_documents():
    # Found by hypothesis: a last empty document starts at n_tokens, past reduceat's range.
    out = pool(np.array([0, 1, 1]), np.array([0]), [TABLE], "mean")
    np.testing.assert_array_equal(out, [[1.0, 0.0], [0.0, 0.0]])
