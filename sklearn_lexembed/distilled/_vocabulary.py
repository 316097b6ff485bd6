"""Which tokens get a row: the teacher's vocabulary, plus the corpus's frequent split words.

A WordPiece teacher cuts a word it has not seen whole into pieces ("algorithm" -> "algo",
"##rith", "##m"); the mean of unrelated pieces is a poor vector for the word. The corpus's
frequent such words are added to the vocabulary as whole tokens: WordPiece matches the longest
vocabulary prefix first, so once added, the word is one token wherever it occurs, and its row
is distilled from the teacher's output for the whole word.
"""

from __future__ import annotations

import json
import re
from collections import Counter

__all__ = ["corpus_words", "distilled_token_ids", "extended_tokenizer", "plain_tokenizer"]

# BERT reserves these rows for users; they never occur in text, so distilling them is waste.
_UNUSED = re.compile(r"^\[unused\d+\]$")


def plain_tokenizer(serialized):
    """A Rust tokenizer from its JSON text, without padding (its truncation is kept)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(serialized)
    tokenizer.no_padding()
    return tokenizer


def _special_ids(tokenizer):
    return {
        token_id
        for token_id, token in tokenizer.get_added_tokens_decoder().items()
        if token.special
    }


def distilled_token_ids(tokenizer):
    """The ids of the teacher's vocabulary that get a distilled row.

    Special tokens ([CLS], [PAD]...) and BERT's ``[unusedN]`` placeholders are left out: they
    never come out of tokenising text without special tokens.

    Parameters
    ----------
    tokenizer : tokenizers.Tokenizer

    Returns
    -------
    ids : list of int
        Sorted.
    """
    special = _special_ids(tokenizer)
    return sorted(
        token_id
        for token, token_id in tokenizer.get_vocab(with_added_tokens=False).items()
        if token_id not in special and not _UNUSED.match(token)
    )


def _words(tokenizer, document):
    text = document
    if tokenizer.normalizer is not None:
        text = tokenizer.normalizer.normalize_str(text)
    if tokenizer.pre_tokenizer is None:
        return text.split()
    return [word for word, _ in tokenizer.pre_tokenizer.pre_tokenize_str(text)]


def is_wordpiece(tokenizer):
    """Whether ``tokenizer`` is a WordPiece model, the kind whole words can be added to."""
    return json.loads(tokenizer.to_str())["model"]["type"] == "WordPiece"


def corpus_words(tokenizer, documents, max_words, min_count):
    """The corpus's most frequent words that the tokenizer splits into several pieces.

    Words are what the tokenizer's own normaliser and pre-tokeniser make of the text (lower
    case and accents stripped for an uncased BERT), so an added word matches the text exactly
    as the tokenizer sees it.

    Parameters
    ----------
    tokenizer : tokenizers.Tokenizer
        A WordPiece tokenizer.
    documents : list of str
    max_words : int
        At most this many words, most frequent first (ties in order of first occurrence).
    min_count : int
        Occurrences a word needs in ``documents``.

    Returns
    -------
    words : list of str
    """
    if max_words == 0:
        return []
    counts = Counter()
    for document in documents:
        counts.update(_words(tokenizer, document))
    vocabulary = tokenizer.get_vocab(with_added_tokens=True)
    unknown = tokenizer.token_to_id(json.loads(tokenizer.to_str())["model"].get("unk_token"))
    candidates = [
        word
        for word, count in counts.most_common()
        if count >= min_count and word not in vocabulary
    ]
    # A word whose pieces include the unknown token has no teacher vector worth a row.
    pieces = tokenizer.encode_batch(candidates, add_special_tokens=False) if candidates else []
    words = [
        word
        for word, encoding in zip(candidates, pieces, strict=True)
        if len(encoding.ids) > 1 and unknown not in encoding.ids
    ]
    return words[:max_words]


def extended_tokenizer(tokenizer, words):
    """The tokenizer's JSON text with ``words`` appended to its WordPiece vocabulary.

    Parameters
    ----------
    tokenizer : tokenizers.Tokenizer
        A WordPiece tokenizer.
    words : list of str
        Words not in its vocabulary; they get the ids after the last one, in order.

    Returns
    -------
    serialized : str
        The extended tokenizer, as ``tokenizers.Tokenizer.from_str`` reads it.
    """
    config = json.loads(tokenizer.to_str())
    vocabulary = config["model"]["vocab"]
    first = tokenizer.get_vocab_size(with_added_tokens=True)
    for offset, word in enumerate(words):
        vocabulary[word] = first + offset
    return json.dumps(config, ensure_ascii=False)
