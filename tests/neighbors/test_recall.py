"""Approximate search at a promised recall: measurement, tuning, persistence, all-or-nothing fits."""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_lexembed import CosineNeighbors
from sklearn_lexembed.neighbors import _ann, _cosine
from sklearn_lexembed.neighbors._recall import (
    RecallEstimate,
    per_query_recall,
    recall_estimate,
    smallest_setting,
)

RNG = np.random.default_rng(7)
# A hard set for graph search: 64-dimensional Gaussian noise has no low-dimensional structure.
HARD = RNG.normal(size=(3000, 64)).astype(np.float32)
HARD_QUERIES = RNG.normal(size=(300, 64)).astype(np.float32)


# --------------------------------------------------------------------------- the arithmetic
def test_per_query_recall_counts_rows_tied_with_the_kth_as_found():
    exact = np.array([[0.9, 0.8, 0.7], [0.9, 0.8, 0.7]])
    found = np.array([[0.9, 0.7, -np.inf], [0.9, 0.8, 0.7]])  # a miss and a missing row
    np.testing.assert_allclose(per_query_recall(found, exact), [2 / 3, 1.0])
    # Another row at the k-th similarity (to float32 precision) is as good as the one listed.
    tied = np.array([[0.9, 0.8, 0.7 - 5e-7], [0.9, 0.8, 0.7 - 1e-5]])
    np.testing.assert_allclose(per_query_recall(tied, exact), [1.0, 2 / 3])


def test_recall_interval_contains_the_mean_and_never_collapses():
    estimate = recall_estimate(np.ones(100), 10)
    assert estimate.recall == 1.0 and estimate.high == 1.0
    assert 0.99 < estimate.low < 1.0  # Wilson: all hits still leave doubt
    spread = recall_estimate(np.r_[np.zeros(10), np.ones(90)], 10)
    clustered_width = spread.high - spread.low
    even = recall_estimate(np.full(100, 0.9), 10)
    assert spread.low < 0.9 < spread.high and even.low < 0.9 < even.high
    # Misses that cluster in a few queries carry less information than evenly spread ones.
    assert clustered_width > even.high - even.low
    assert isinstance(spread, RecallEstimate) and spread.n_queries == 100


def _estimate(recall):
    return RecallEstimate(recall, recall, recall, 100, 10)


@pytest.mark.parametrize("threshold", [1, 2, 3, 17, 64, 99, 100])
def test_smallest_setting_finds_the_threshold_of_a_monotone_curve(threshold):
    calls = []

    def measure(setting):
        calls.append(setting)
        return _estimate(1.0 if setting >= threshold else 0.5)

    setting, estimate, reached = smallest_setting(measure, 0.9, 1, 100)
    assert (setting, reached, estimate.recall) == (threshold, True, 1.0)
    assert len(calls) == len(set(calls)) <= 2 * np.log2(100) + 2


def test_smallest_setting_on_a_bumpy_curve_passes_and_the_setting_below_fails():
    curve = {s: 0.95 if s in (3, 4) or s >= 9 else 0.5 for s in range(1, 41)}
    measured = {}

    def measure(setting):
        measured[setting] = curve[setting]
        return _estimate(curve[setting])

    setting, _, reached = smallest_setting(measure, 0.9, 1, 40)
    assert reached and measured[setting] >= 0.9 and measured[setting - 1] < 0.9


def test_smallest_setting_reports_an_unreachable_target():
    setting, estimate, reached = smallest_setting(lambda s: _estimate(0.5), 0.9, 10, 300)
    assert (setting, reached, estimate.recall) == (300, False, 0.5)


# ---------------------------------------------------------------------- tuning at fit time
def _spy_on_tuning(monkeypatch):
    """Record every (setting, estimate) the fit measures."""
    measured = {}
    real = _cosine.smallest_setting

    def spy(measure, target, low, high):
        def recording(setting):
            measured[setting] = measure(setting)
            return measured[setting]

        return real(recording, target, low, high)

    monkeypatch.setattr(_cosine, "smallest_setting", spy)
    return measured


@pytest.mark.parametrize(
    "params",
    [{"algorithm": "hnsw"}, {"algorithm": "faiss", "faiss_index": "IVF32,Flat"}],
    ids=["hnswlib", "faiss-IVF"],
)
def test_target_recall_holds_on_a_hard_set_and_the_setting_is_the_smallest(monkeypatch, params):
    pytest.importorskip("hnswlib")
    pytest.importorskip("faiss")
    measured = _spy_on_tuning(monkeypatch)
    search = CosineNeighbors(
        n_neighbors=10, target_recall=0.9, random_state=0, n_jobs=1, **params
    ).fit(HARD)
    ((name, value),) = search.query_params_.items()
    assert name == ("ef_search" if params["algorithm"] == "hnsw" else "n_probe")
    assert measured[value].low >= 0.9 and search.recall_interval_[0] >= 0.9
    low = 10 if name == "ef_search" else 1
    assert value == low or measured[value - 1].low < 0.9
    assert search.recall_interval_[0] <= search.recall_ <= search.recall_interval_[1]
    # New queries from the same distribution get the promised recall (within sampling).
    fresh = search.measure_recall(HARD_QUERIES)
    assert fresh.recall >= 0.9 - 0.02 and fresh.n_queries == 300
    # The tuned effort is what queries use; the held-out rows are indexed too.
    index = search._ann.index
    indexed = index.get_current_count() if name == "ef_search" else index.ntotal
    assert indexed == len(HARD)
    _, ind = search.kneighbors()
    assert (ind != np.arange(len(HARD))[:, None]).all()


@pytest.mark.slow
def test_target_recall_holds_on_glove(glove_store):
    pytest.importorskip("hnswlib")
    vectors = np.asarray(glove_store.vectors[:30000])
    # Queries that are not in the index: the next 500 words.
    queries = np.asarray(glove_store.vectors[30000:30500])
    for target in (0.9, 0.97):
        search = CosineNeighbors(
            n_neighbors=10, algorithm="hnsw", target_recall=target, random_state=0, n_jobs=1
        ).fit(vectors)
        assert search.recall_interval_[0] >= target
        assert search.measure_recall(queries).recall >= target - 0.02
    assert search.query_params_["ef_search"] > 10


def test_an_unreachable_target_warns_and_reports_what_was_measured():
    pytest.importorskip("faiss")
    search = CosineNeighbors(
        n_neighbors=10, algorithm="faiss", faiss_index="IVF8,PQ4x4", target_recall=0.999
    )
    with pytest.warns(UserWarning, match=r"target_recall=0\.999 was not reached: with n_probe=8"):
        search.fit(HARD)
    assert search.query_params_ == {"n_probe": 8} and search.recall_ < 0.999


def test_exact_algorithms_have_recall_one_without_tuning():
    search = CosineNeighbors(algorithm="brute", target_recall=0.95).fit(HARD)
    assert (search.recall_, search.recall_interval_, search.query_params_) == (1.0, (1.0, 1.0), {})
    assert search.measure_recall(HARD_QUERIES).recall == 1.0
    # Without a target nothing is measured at fit.
    assert not hasattr(CosineNeighbors().fit(HARD), "recall_")


def test_target_recall_errors_are_clear():
    with pytest.raises(InvalidParameterError, match="target_recall"):
        CosineNeighbors(target_recall=0.0).fit(HARD)
    with pytest.raises(InvalidParameterError, match="target_recall"):
        CosineNeighbors(target_recall=1.5).fit(HARD)
    pytest.importorskip("hnswlib")
    with pytest.raises(ValueError, match=re.escape("target_recall needs at least 100 indexed")):
        CosineNeighbors(algorithm="hnsw", target_recall=0.9).fit(HARD[:99])
    search = CosineNeighbors().fit(HARD)
    with pytest.raises(ValueError, match="measure_recall needs queries"):
        search.measure_recall(None)
    with pytest.raises(ValueError, match="max_queries must be a positive int"):
        search.measure_recall(HARD_QUERIES, max_queries=0)
    assert search.measure_recall(HARD_QUERIES, max_queries=40, random_state=0).n_queries == 40


# ------------------------------------------------------------------- threads and progress
def test_builds_and_queries_use_n_jobs_threads_and_show_progress(monkeypatch, capfd):
    pytest.importorskip("hnswlib")
    threads = []
    for name in ("add", "search"):
        real = getattr(_ann.HnswIndex, name)

        def spy(self, vectors, rows_or_k, n_threads, *args, real=real, **kwargs):
            threads.append(n_threads)
            return real(self, vectors, rows_or_k, n_threads, *args, **kwargs)

        monkeypatch.setattr(_ann.HnswIndex, name, spy)
    search = CosineNeighbors(algorithm="hnsw", n_jobs=2, target_recall=0.8, verbose=True)
    search.fit(HARD).kneighbors(HARD_QUERIES)
    assert threads and set(threads) == {2}
    assert "hnsw graph" in capfd.readouterr().err


# ------------------------------------------------------------------------ persistence
_RELOAD = """
import pickle, sys
import numpy as np
search = pickle.load(open(sys.argv[1], "rb")) if sys.argv[1].endswith(".pkl") else None
if search is None:
    import skops.io as sio
    search = sio.load(sys.argv[1], trusted=sio.get_untrusted_types(file=sys.argv[1]))
queries = np.load(sys.argv[2])
np.save(sys.argv[3], search.kneighbors(queries)[1])
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    "params",
    [{"algorithm": "hnsw"}, {"algorithm": "faiss", "faiss_index": "HNSW16"}],
    ids=["hnswlib", "faiss-HNSW"],
)
@pytest.mark.parametrize("format", ["pkl", "skops"])
def test_a_tuned_index_answers_identically_in_a_fresh_process(params, format, tmp_path):
    pytest.importorskip("hnswlib")
    pytest.importorskip("faiss")
    search = CosineNeighbors(n_neighbors=10, target_recall=0.9, random_state=0, **params)
    search.fit(HARD)
    path = tmp_path / f"search.{format}"
    if format == "pkl":
        path.write_bytes(pickle.dumps(search))
    else:
        sio = pytest.importorskip("skops.io")
        sio.dump(search, path)
        untrusted = sio.get_untrusted_types(file=path)
        assert all(t.startswith("sklearn_lexembed.") for t in untrusted), untrusted
    np.save(tmp_path / "queries.npy", HARD_QUERIES)
    subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(_RELOAD),
            str(path),
            str(tmp_path / "queries.npy"),
            str(tmp_path / "found.npy"),
        ],
        check=True,
    )
    np.testing.assert_array_equal(
        np.load(tmp_path / "found.npy"), search.kneighbors(HARD_QUERIES)[1]
    )


@pytest.mark.parametrize("algorithm", ["hnsw", "faiss"])
def test_a_damaged_index_blob_raises_instead_of_crashing(algorithm):
    pytest.importorskip("hnswlib")
    pytest.importorskip("faiss")
    search = CosineNeighbors(algorithm=algorithm, faiss_index="HNSW16").fit(HARD[:500])
    state = search._ann.__getstate__()
    blob = state["index"][2] if algorithm == "hnsw" else state["index"]
    damaged = bytearray(blob["bytes"])
    for position in (0, len(damaged) // 2, len(damaged) - 1):
        damaged[position] ^= 0xFF
        blob["bytes"] = bytes(damaged)
        restored = type(search._ann).__new__(type(search._ann))
        with pytest.raises(ValueError, match="index is damaged"):
            restored.__setstate__(dict(state))
        damaged[position] ^= 0xFF


# ------------------------------------------------------------------------ all or nothing
class _Interrupt(BaseException):
    pass


@pytest.mark.parametrize("step", ["build", "add", "tune"])
def test_an_interrupted_fit_leaves_the_previous_state(monkeypatch, step):
    pytest.importorskip("hnswlib")
    fitted = CosineNeighbors(n_neighbors=3).fit(HARD[:200])
    before = fitted.kneighbors(HARD_QUERIES[:5])
    unfitted = CosineNeighbors(algorithm="hnsw", target_recall=0.9)

    def fail(*args, **kwargs):
        raise _Interrupt

    if step == "tune":
        monkeypatch.setattr(_cosine, "smallest_setting", fail)
    else:
        monkeypatch.setattr(_ann.HnswIndex, step, fail)
    for search in (fitted.set_params(algorithm="hnsw", target_recall=0.9), unfitted):
        with pytest.raises(_Interrupt):
            search.fit(HARD)
    assert fitted.effective_algorithm_ == "brute" and fitted.n_samples_fit_ == 200
    assert not hasattr(fitted, "recall_")
    np.testing.assert_array_equal(fitted.kneighbors(HARD_QUERIES[:5])[1], before[1])
    with pytest.raises(NotFittedError):
        unfitted.kneighbors(HARD_QUERIES)
    assert not [name for name in vars(unfitted) if name.endswith("_")]


def test_a_wrong_dimension_beside_the_hnsw_graph_raises():
    # hnswlib trusts the dimension it is given: a wrong one would read past every vector.
    pytest.importorskip("hnswlib")
    search = CosineNeighbors(algorithm="hnsw").fit(HARD[:300])
    state = search._ann.__getstate__()
    dim, max_elements, blob = state["index"]
    for wrong in ((dim + 1, max_elements), (dim, max_elements - 1), ("64", max_elements)):
        restored = type(search._ann).__new__(type(search._ann))
        with pytest.raises(ValueError, match="its dimension or capacity does not match"):
            restored.__setstate__({**state, "index": (*wrong, blob)})


_MUTATE = """
import json, os, sys, tempfile
import numpy as np
path, fmt, positions, queries, expected = sys.argv[1:6]
data = open(path, "rb").read()
queries, expected = np.load(queries), np.load(expected)
outcomes = {"raised": 0, "same": 0, "different": 0, "damaged": 0}
target = os.path.join(tempfile.mkdtemp(), os.path.basename(path))
for position in json.loads(positions):
    damaged = bytearray(data)
    damaged[position] ^= 0xFF
    open(target, "wb").write(damaged)
    try:
        if fmt == "joblib":
            import joblib
            search = joblib.load(target)
        else:
            import skops.io as sio
            search = sio.load(target, trusted=sio.get_untrusted_types(file=target))
        same = np.array_equal(search.kneighbors(queries)[1], expected)
        outcomes["same" if same else "different"] += 1
    except Exception as error:  # anything but a crash of the interpreter
        outcomes["raised"] += 1
        outcomes["damaged"] += "damaged" in str(error)
print(json.dumps(outcomes))
"""


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["joblib", "skops"])
@pytest.mark.parametrize("algorithm", ["hnsw", "faiss"])
def test_one_damaged_byte_in_a_saved_file_never_crashes(tmp_path, algorithm, fmt):
    """Flip one byte of a saved file at a time, anywhere: the load or the query raises, or
    answers; the interpreter never dies inside hnswlib or faiss. Every flip inside the
    library's bytes is caught by the digest."""
    pytest.importorskip("hnswlib")
    pytest.importorskip("faiss")
    import json

    search = CosineNeighbors(algorithm=algorithm, faiss_index="HNSW16", random_state=0)
    search.fit(HARD[:300, :16])
    path = tmp_path / f"search.{fmt}"
    if fmt == "joblib":
        import joblib

        joblib.dump(search, path)
    else:
        sio = pytest.importorskip("skops.io")
        sio.dump(search, path)
    data = path.read_bytes()
    state = search._ann.__getstate__()
    payload = (state["index"][2] if algorithm == "hnsw" else state["index"])["bytes"]
    start = data.find(payload)
    assert start >= 0  # stored as it is, in both formats
    rows = data.find(search._fit_X.tobytes())
    inside = range(start, start + len(payload), len(payload) // 20)
    skipped = {*range(start, start + len(payload)), *range(rows, rows + search._fit_X.nbytes)}
    elsewhere = [p for p in range(len(data)) if p not in skipped]
    elsewhere = elsewhere[:: max(1, len(elsewhere) // 400)]
    queries = HARD_QUERIES[:5, :16]
    np.save(tmp_path / "queries.npy", queries)
    np.save(tmp_path / "expected.npy", search.kneighbors(queries)[1])
    args = [str(path), fmt, "", str(tmp_path / "queries.npy"), str(tmp_path / "expected.npy")]
    for positions, label in ((list(inside), "inside"), (elsewhere, "elsewhere")):
        args[2] = json.dumps(positions)
        result = subprocess.run(
            [sys.executable, "-c", _MUTATE, *args], capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0, (label, result.returncode, result.stderr[-2000:])
        outcomes = json.loads(result.stdout.strip().splitlines()[-1])
        assert sum(outcomes.values()) - outcomes["damaged"] == len(positions)
        if label == "inside":
            # skops' zip checks its own CRC first; joblib leaves it to our digest.
            assert outcomes["raised"] == len(positions), outcomes
            if fmt == "joblib":
                assert outcomes["damaged"] == len(positions), outcomes
