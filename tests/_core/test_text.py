from sklearn.base import BaseEstimator

from sklearn_lexembed._core.text import DEFAULT_TOKEN_PATTERN, build_analyzer


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
