"""Static vectorizers on field text: documents without a usable token, lone surrogates."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from sklearn_lexembed import GloveVectorizer, SkipGramVectorizer, WordVectors
from sklearn_lexembed.datasets import load_polarity
from sklearn_lexembed.static import _base

WORDS = ["cat", "dog", "car", "the", "sat", "a", "b", "x", "y"]
MATRIX = np.random.default_rng(0).normal(size=(len(WORDS), 4)).astype(np.float32)
TRAIN = load_polarity()[0][::20]

UNREPRESENTED = ["你好世界", "مرحبا", "😀😀", "привет мир"]
TAIL = (
    " The token pattern or the vectors may not cover their script or language; empty and "
    "whitespace-only documents are not counted."
)


def _zero_rows_message(n, total, index, doc):
    return (
        f"{n} of {total} documents have no token with a vector and are embedded as zero rows "
        f"(the first at index {index}: {doc!r})." + TAIL
    )


@pytest.fixture(scope="module")
def skipgram():
    return SkipGramVectorizer(vector_size=8, min_count=1, epochs=1, random_state=0).fit(TRAIN)


def _no_warning(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return call()


# ------------------------------------------------------------ no usable token
def test_glove_warns_once_for_scripts_it_cannot_embed(fitted_glove):
    documents = ["the cat sat", *UNREPRESENTED, "", " \t\n", "a dog"]
    message = _zero_rows_message(4, 8, 1, "你好世界")
    with pytest.warns(UserWarning, match=re.escape(message)) as caught:
        out = fitted_glove.transform(documents)
    assert len(caught) == 1
    # The warning points at the caller, not inside the package.
    assert caught[0].filename == __file__
    zero = ~out.any(axis=1)
    assert zero.tolist() == [False, True, True, True, True, True, True, False]
    # Each call warns on its own.
    with pytest.warns(UserWarning, match=re.escape(_zero_rows_message(1, 1, 0, "😀😀"))):
        fitted_glove.transform(["😀😀"])


def test_blank_documents_are_zero_rows_without_a_warning(fitted_glove):
    out = _no_warning(lambda: fitted_glove.transform(["", "   ", "\n\t", "the cat"]))
    assert (~out.any(axis=1)).tolist() == [True, True, True, False]


def test_skipgram_warns_for_a_document_without_any_token(skipgram):
    # Emoji are no token at all; the n-grams of "你好世界" never met in training have
    # zero buckets.
    documents = ["a good film", "你好世界", "😀😀 🚀", ""]
    with pytest.warns(UserWarning, match=re.escape(_zero_rows_message(2, 4, 1, "你好世界"))):
        out = skipgram.transform(documents)
    assert (~out.any(axis=1)).tolist() == [False, True, True, True]


def test_the_first_index_counts_across_blocks(monkeypatch):
    monkeypatch.setattr(_base, "_DOCS_PER_BLOCK", 2)
    vectorizer = GloveVectorizer(vectors=(WORDS, MATRIX), oov="zero").fit([])
    documents = ["cat", "dog", "", "car", "zzqx", "a", "😀"]
    with pytest.warns(UserWarning, match=re.escape(_zero_rows_message(2, 7, 4, "zzqx"))) as w:
        vectorizer.transform(documents)
    assert len(w) == 1


def test_a_long_document_is_quoted_shortened():
    vectorizer = GloveVectorizer(vectors=(WORDS, MATRIX), oov="ignore").fit([])
    document = "zzqx " * 20
    shortened = document[:40] + "..."
    with pytest.warns(UserWarning, match=re.escape(_zero_rows_message(1, 1, 0, shortened))):
        vectorizer.transform([document])


def test_fit_warns_for_the_training_documents_it_embeds():
    vectorizer = GloveVectorizer(vectors=(WORDS, MATRIX), pooling="sif")
    documents = ["the cat sat", "😀", "a dog", "the car"]
    with pytest.warns(UserWarning, match=re.escape(_zero_rows_message(1, 4, 1, "😀"))) as w:
        vectorizer.fit(documents)
    assert len(w) == 1
    # Mean pooling learns nothing from the documents: fit does not read them.
    _no_warning(lambda: GloveVectorizer(vectors=(WORDS, MATRIX)).fit(documents))


ERROR_TAIL = (
    "Use a token_pattern or tokenizer that matches its script, or oov='subword', 'zero' or "
    "'ignore' to embed it as a zero row."
)


def test_oov_error_raises_for_a_document_without_any_token():
    vectorizer = GloveVectorizer(vectors=(WORDS, MATRIX), oov="error").fit([])
    message = (
        "Document at index 2 has no token (oov='error'): the analyzer found none in '😀😀'. "
        + ERROR_TAIL
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        vectorizer.transform(["the cat", "", "😀😀", "dog", "zzqx"])
    # The first offending document wins, whichever the kind of error.
    unknown = "Word 'zzqx' in document at index 1 is not in the vocabulary (oov='error')."
    with pytest.raises(KeyError, match=re.escape(unknown)):
        vectorizer.transform(["the cat", "zzqx", "😀😀"])
    # Blank documents are not errors.
    out = _no_warning(lambda: vectorizer.transform(["", "  ", "cat"]))
    assert (~out.any(axis=1)).tolist() == [True, True, False]


def test_oov_error_names_the_index_across_blocks(monkeypatch):
    monkeypatch.setattr(_base, "_DOCS_PER_BLOCK", 2)
    vectorizer = GloveVectorizer(vectors=(WORDS, MATRIX), oov="error").fit([])
    with pytest.raises(ValueError, match=re.escape("Document at index 3 has no token")):
        vectorizer.transform(["cat", "dog", "", "!!!", "cat"])


def test_skipgram_oov_error_raises_for_a_document_without_any_token(skipgram):
    vectorizer = SkipGramVectorizer(
        vector_size=8, min_count=1, epochs=1, random_state=0, oov="error"
    ).fit(TRAIN)
    known = skipgram.word_vectors_.words[0]
    with pytest.raises(ValueError, match=re.escape("Document at index 1 has no token")):
        vectorizer.transform([known, "🚀"])


# --------------------------------------------------------------- lone surrogates
SURROGATE_DOCS = ["\ud800", "a\udfffb", "the \ud83d\ude00cat x\udc80y", "cat"]
ANALYZER_SETTINGS = [
    {},
    {"token_pattern": r"(?u)\b\w\w+\b"},
    {"tokenizer": str.split, "token_pattern": None},
    {"lowercase": False},
    {"strip_accents": "unicode"},
    {"strip_accents": "ascii"},
    {"preprocessor": str.upper, "lowercase": False},
]


def _settings_id(settings):
    return ",".join(f"{k}={getattr(v, '__name__', v)}" for k, v in settings.items()) or "default"


@pytest.mark.parametrize("settings", ANALYZER_SETTINGS, ids=_settings_id)
@pytest.mark.parametrize("oov", ["subword", "zero", "ignore"])
def test_glove_embeds_lone_surrogates_as_countvectorizer_cuts_them(settings, oov):
    vectorizer = GloveVectorizer(vectors=(WORDS, MATRIX), oov=oov, **settings).fit(SURROGATE_DOCS)
    with warnings.catch_warnings():
        # "\ud800" alone has no token.
        warnings.filterwarnings("ignore", ".* documents have no token with a vector")
        out = vectorizer.transform(SURROGATE_DOCS)
        # The analyzer's tokens, rejoined: the same rows, tokens being the same.
        analyzer = CountVectorizer(
            **{"token_pattern": GloveVectorizer().token_pattern, **settings}
        ).build_analyzer()
        tokens = [analyzer(doc) for doc in SURROGATE_DOCS]
        rejoined = GloveVectorizer(
            vectors=(WORDS, MATRIX),
            oov=oov,
            tokenizer=lambda doc: doc.split("\x1f") if doc else [],
            preprocessor=lambda doc: doc,
            token_pattern=None,
        ).fit([])
        expected = rejoined.transform(["\x1f".join(doc_tokens) for doc_tokens in tokens])
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize(
    "settings",
    [{}, {"tokenizer": str.split, "token_pattern": None}, {"strip_accents": "ascii"}],
    ids=_settings_id,
)
def test_skipgram_fits_and_embeds_lone_surrogates(settings):
    documents = [*TRAIN, *SURROGATE_DOCS]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".* documents have no token with a vector")
        vectorizer = SkipGramVectorizer(
            vector_size=8, min_count=1, epochs=1, random_state=0, n_jobs=1, **settings
        ).fit(documents)
        out = vectorizer.transform(SURROGATE_DOCS)
    assert out.shape == (4, 8) and np.isfinite(out).all()
    analyzer = CountVectorizer(
        **{"token_pattern": vectorizer.token_pattern, **settings}
    ).build_analyzer()
    # Every token the analyzer cuts from the surrogate documents is in the vocabulary.
    assert {t for doc in SURROGATE_DOCS for t in analyzer(doc)} <= set(
        vectorizer.word_vectors_.words
    )


def test_word_queries_take_words_with_surrogates():
    vectorizer = GloveVectorizer(vectors=WordVectors(WORDS, MATRIX)).fit([])
    vectors = vectorizer.word_vectors(["ca\udcfft", "\ud800"])
    assert np.isfinite(vectors).all()
    error = GloveVectorizer(vectors=(WORDS, MATRIX), oov="error").fit([])
    with pytest.raises(KeyError) as info:
        error.set_params(tokenizer=str.split, token_pattern=None).transform(["a\udfffb"])
    assert info.value.args[0].startswith("Word 'a\\udfffb' in document at index 0 is not in")
