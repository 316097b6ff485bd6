import pytest
from sklearn.base import BaseEstimator

from sklearn_lexembed._core.text import (
    DEFAULT_TOKEN_PATTERN,
    build_analyzer,
    replace_lone_surrogates,
)


class _Params(BaseEstimator):
    def __init__(
        self,
        lowercase=True,
        strip_accents=None,
        token_pattern=DEFAULT_TOKEN_PATTERN,
        tokenizer=None,
        preprocessor=None,
    ):
        self.lowercase = lowercase
        self.strip_accents = strip_accents
        self.token_pattern = token_pattern
        self.tokenizer = tokenizer
        self.preprocessor = preprocessor


def test_default_keeps_one_character_words_and_lowercases():
    assert build_analyzer(_Params())("I saw a Cat, x2!") == ["i", "saw", "a", "cat", "x2"]


def test_countvectorizer_parameters_carry_over():
    assert build_analyzer(_Params(lowercase=False))("Big Cat") == ["Big", "Cat"]
    assert build_analyzer(_Params(strip_accents="unicode"))("café naïve") == ["cafe", "naive"]
    assert build_analyzer(_Params(tokenizer=str.split))("don't stop") == ["don't", "stop"]
    assert build_analyzer(_Params(preprocessor=lambda d: d.replace("-", " ")))("e-mail") == [
        "e",
        "mail",
    ]
    assert build_analyzer(_Params(token_pattern=r"[a-z]+"))("ab1cd") == ["ab", "cd"]


def test_fast_path_matches_countvectorizer_token_for_token():
    from sklearn.feature_extraction.text import CountVectorizer

    from sklearn_lexembed.datasets import load_polarity

    texts, _ = load_polarity()
    texts += ["ÉCOLE Straße naïve", "under_score x2 3.14", "", "  "]
    for lowercase in (True, False):
        for pattern in (DEFAULT_TOKEN_PATTERN, r"(?u)\b\w\w+\b", r"(\w+)'s"):
            ours = build_analyzer(_Params(lowercase=lowercase, token_pattern=pattern))
            theirs = CountVectorizer(lowercase=lowercase, token_pattern=pattern).build_analyzer()
            assert [ours(t) for t in texts] == [theirs(t) for t in texts]


SURROGATE_TEXTS = ["\ud800", "a\udfffb", "Caf\u00e9 \ud83d\ude00x x\udc80Y", "\udfff\udfff", "ok"]


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"lowercase": False},
        {"token_pattern": r"(?u)\b\w\w+\b"},
        {"token_pattern": r"\S+"},
        {"strip_accents": "unicode"},
        {"strip_accents": "ascii"},
        {"tokenizer": str.split, "token_pattern": None},
        {"preprocessor": str.upper, "lowercase": False},
    ],
    ids=lambda settings: ",".join(map(str, settings)) or "default",
)
def test_lone_surrogates_are_cut_as_countvectorizer_cuts_them(settings):
    from sklearn.feature_extraction.text import CountVectorizer

    ours = build_analyzer(_Params(**settings))
    theirs = CountVectorizer(**{"token_pattern": DEFAULT_TOKEN_PATTERN, **settings})
    theirs = theirs.build_analyzer()
    assert [ours(t) for t in SURROGATE_TEXTS] == [theirs(t) for t in SURROGATE_TEXTS]


def test_replace_lone_surrogates_keeps_offsets_and_objects():
    texts = ["plain", "naïve", "a\udfffb", "\ud83d\ude00 \ud800", ""]
    replaced = replace_lone_surrogates(texts)
    assert replaced == ["plain", "naïve", "a\ufffdb", "\ufffd\ufffd \ufffd", ""]
    assert all(len(a) == len(b) for a, b in zip(texts, replaced))
    assert replaced[0] is texts[0] and replaced[1] is texts[1]
    for text in replaced:
        text.encode("utf-8")  # valid UTF-8 now: no surrogate left
