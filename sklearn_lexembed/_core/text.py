"""Tokens: the analyzer, built from scikit-learn's own ``CountVectorizer`` machinery.

The vectorizers accept CountVectorizer's ``lowercase``, ``strip_accents``, ``token_pattern``,
``tokenizer`` and ``preprocessor`` with the same meanings, so a user's existing text settings
carry over unchanged.
"""

from __future__ import annotations

import re

from sklearn.feature_extraction.text import CountVectorizer
from sklearn.utils._param_validation import StrOptions

__all__ = [
    "ANALYZER_CONSTRAINTS",
    "DEFAULT_TOKEN_PATTERN",
    "build_analyzer",
    "replace_lone_surrogates",
]

# CountVectorizer's default r"(?u)\b\w\w+\b" drops one-character words ("a", "i", "x"), which
# pretrained vocabularies do contain; an embedding wants every word it can look up.
DEFAULT_TOKEN_PATTERN = r"(?u)\b\w+\b"

# A Python str may hold surrogate code points that no UTF-8 text can (from
# errors="surrogateescape" decoding, JSON "\ud800" escapes, broken UTF-16 sources).
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

ANALYZER_CONSTRAINTS = {
    "lowercase": ["boolean"],
    "strip_accents": [StrOptions({"ascii", "unicode"}), None, callable],
    "token_pattern": [str, None],
    "tokenizer": [callable, None],
    "preprocessor": [callable, None],
}


def build_analyzer(estimator):
    """Return a callable mapping one document to its list of tokens.

    Parameters
    ----------
    estimator : object
        Any object with the attributes ``lowercase``, ``strip_accents``, ``token_pattern``,
        ``tokenizer`` and ``preprocessor`` (the vectorizers' shared analyzer parameters).

    Returns
    -------
    analyzer : callable
        ``analyzer(doc) -> list of str``, exactly as ``CountVectorizer(...).build_analyzer()``
        with unigrams and no stop words.
    """
    if (
        estimator.tokenizer is None
        and estimator.preprocessor is None
        and estimator.strip_accents is None
        and estimator.token_pattern is not None
    ):
        pattern = re.compile(estimator.token_pattern)
        if pattern.groups <= 1:
            # CountVectorizer's analyzer with these settings is exactly findall(doc.lower());
            # calling it directly skips four Python calls per document, a third of the time
            # on short texts (checked token for token against CountVectorizer in the tests).
            if estimator.lowercase:
                return lambda doc: pattern.findall(doc.lower())
            return pattern.findall
    vectorizer = CountVectorizer(
        lowercase=estimator.lowercase,
        strip_accents=estimator.strip_accents,
        token_pattern=estimator.token_pattern,
        tokenizer=estimator.tokenizer,
        preprocessor=estimator.preprocessor,
        # Tokens are looked up in a vector table, not counted: keep every one of them.
        ngram_range=(1, 1),
        stop_words=None,
    )
    return vectorizer.build_analyzer()


def replace_lone_surrogates(documents):
    r"""Replace each surrogate code point by U+FFFD, for consumers that need valid UTF-8.

    CountVectorizer's analyzer takes lone surrogates as they are (they are not ``\w``, so the
    default token pattern skips them), and so does :func:`build_analyzer`; a Rust tokenizer
    (Hugging Face ``tokenizers``) refuses the whole batch. One code point for one keeps every
    character offset valid in the original text.

    Parameters
    ----------
    documents : list of str

    Returns
    -------
    documents : list of str
        The same objects where there was nothing to replace.
    """
    return [
        doc
        if doc.isascii() or _LONE_SURROGATE.search(doc) is None
        else _LONE_SURROGATE.sub("\ufffd", doc)
        for doc in documents
    ]
