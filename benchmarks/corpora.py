"""Real English text for benchmarks, extracted from Debian dictionary packages.

``gcide_documents()`` reads the Collaborative International Dictionary of English (Webster's 1913
plus WordNet glosses, package ``dict-gcide``) and returns one plain-text document per definition
paragraph, with the dictionary markup (pronunciations, etymologies, source tags, accent codes,
citations, synonym lists) removed. ``wordnet_documents()`` returns the WordNet 3.0 glosses (package
``wordnet-base``). Both cache the extracted text under ``~/.cache/sklearn-lexembed/`` so later runs
read one text file.

Run ``python benchmarks/corpora.py`` to print the size of each corpus.
"""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

GCIDE_PATH = Path("/usr/share/dictd/gcide.dict.dz")
GCIDE_INDEX = Path("/usr/share/dictd/gcide.index")
WORDNET_DIR = Path("/usr/share/wordnet")
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sklearn-lexembed"
# Bump when the extraction changes so stale caches are not reused.
_EXTRACTION_VERSION = 2

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

# GCIDE writes accented letters as bracketed codes: ['e] is e acute, [=a] a macron, [ae] the
# ligature; a few symbols have names.
_NAMED_CODES = {
    "aum": "a",
    "add": "a",
    "asl": "a",
    "udd": "u",
    "eth": "th",
    "th": "th",
    "ng": "ng",
    "deg": " degrees",
    "oo": "oo",
    "ae": "ae",
    "oe": "oe",
    "AE": "AE",
    "OE": "OE",
}
_ACCENT = re.compile(r"\[([`'=.~\"^,*-]?)([A-Za-z]{1,3})(\^?)\]")
_PRONUNCIATION = re.compile(r"\\[^\\\n]*\\")
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_CITATION = re.compile(r"--[A-Z].*$")
_SUBJECT_LABEL = re.compile(r"\((?:[A-Z][A-Za-z]*\.?\s*(?:&\s*)?)+\)")
_SENSE_MARK = re.compile(r"(?:^|(?<=\s))(?:\d{1,2}\.(?:\s+\d{1,2}(?=\s))?|\([a-z]\))(?=\s)")
_PART_OF_SPEECH = re.compile(r"^[\s,;&]*(?:(?:[a-z]{1,6}\.|&)\s*[,;]?\s*)*")
_SPACES = re.compile(r"\s+")
# Derived forms are written with syllable marks (Stealth"ful*ly); they are not running text.
_SYLLABIFIED = re.compile(r"\w+(?:[*\"`]\w+)+")
_EMPTY_PARENS = re.compile(r"\(\W*\)")


def _decode_number(text):
    value = 0
    for char in text:
        value = value * 64 + _B64.index(char)
    return value


def _accent(match):
    mark, letters, caret = match.groups()
    if not mark and not caret and letters not in _NAMED_CODES:
        return match.group(0)  # a real bracketed word such as [R.] or [PJC], dropped later
    return _NAMED_CODES.get(letters, letters)


def _clean_paragraph(paragraph, is_headword):
    text = _ACCENT.sub(_accent, paragraph)
    if is_headword:
        # The first paragraph opens with "Headword \pro*nun"ci*a`tion\, n. [etymology]".
        match = _PRONUNCIATION.search(text)
        if match is None:
            return ""
        text = text[match.end() :]
    text = _PRONUNCIATION.sub(" ", text)
    text = _SPACES.sub(" ", text)
    previous = None
    while previous != text:  # nested brackets: remove the innermost first
        previous, text = text, _BRACKETS.sub(" ", text)
    text = _CITATION.sub("", text)
    text = text.replace("{", "").replace("}", "").replace("Note:", " ")
    text = _SYLLABIFIED.sub(" ", text)
    text = _EMPTY_PARENS.sub(" ", text)
    text = _SUBJECT_LABEL.sub(" ", text)
    text = _SENSE_MARK.sub(" ", text)
    if is_headword:
        text = _PART_OF_SPEECH.sub("", text)
    return _SPACES.sub(" ", text).strip(" ,;")


def _gcide_entries():
    """Yield each dictionary entry once, in file order, skipping the database header."""
    with gzip.open(GCIDE_PATH, "rb") as fin:
        data = fin.read()
    spans = set()
    with open(GCIDE_INDEX, encoding="utf-8") as fin:
        for line in fin:
            headword, offset, length = line.rstrip("\n").split("\t")
            if not headword.startswith("00-"):
                spans.add((_decode_number(offset), _decode_number(length)))
    for offset, length in sorted(spans):
        yield data[offset : offset + length].decode("utf-8", errors="replace")


def _extract_gcide():
    documents = []
    for entry in _gcide_entries():
        for number, paragraph in enumerate(re.split(r"\n\s*\n", entry)):
            if paragraph.lstrip().startswith("Syn:"):
                continue  # comma-separated synonym lists, not running text
            text = _clean_paragraph(paragraph, is_headword=number == 0)
            if len(text.split()) >= 2:
                documents.append(text)
    return documents


def _cached(name, source, extract):
    stat = source.stat()
    path = CACHE_DIR / f"{name}-v{_EXTRACTION_VERSION}-{stat.st_size}-{int(stat.st_mtime)}.txt"
    if path.exists():
        return path.read_text(encoding="utf-8").split("\n")
    documents = extract()
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".tmp{os.getpid()}")
    partial.write_text("\n".join(documents), encoding="utf-8")
    partial.replace(path)  # atomic: a concurrent reader never sees half a file
    return documents


def gcide_documents():
    """Definition paragraphs of GCIDE as plain text, one document per paragraph.

    Returns
    -------
    documents : list of str
        About 238,000 documents, about 3.5M tokens of ``(?u)\\b\\w+\\b`` (lowercased).

    Raises
    ------
    FileNotFoundError
        If the Debian package ``dict-gcide`` is not installed.
    """
    if not GCIDE_PATH.exists() or not GCIDE_INDEX.exists():
        raise FileNotFoundError(
            f"{GCIDE_PATH} not found: the GCIDE benchmark corpus needs the Debian package "
            "dict-gcide. Install it with: apt-get install -y dict-gcide"
        )
    return _cached("gcide", GCIDE_PATH, _extract_gcide)


def _extract_wordnet():
    documents = []
    for part in ("noun", "verb", "adj", "adv"):
        with open(WORDNET_DIR / f"data.{part}", encoding="utf-8", errors="replace") as fin:
            for line in fin:
                if line.startswith("  "):
                    continue  # license header
                _, _, gloss = line.partition(" | ")
                gloss = gloss.strip()
                if gloss:
                    documents.append(gloss)
    return documents


def wordnet_documents():
    """WordNet 3.0 glosses (definition and examples of each synset), one document per synset.

    Returns
    -------
    documents : list of str

    Raises
    ------
    FileNotFoundError
        If the Debian package ``wordnet-base`` is not installed.
    """
    if not (WORDNET_DIR / "data.noun").exists():
        raise FileNotFoundError(
            f"{WORDNET_DIR / 'data.noun'} not found: the WordNet corpus needs the Debian package "
            "wordnet-base. Install it with: apt-get install -y wordnet-base"
        )
    return _cached("wordnet", WORDNET_DIR / "data.noun", _extract_wordnet)


def count_tokens(documents):
    """Number of tokens of the default analyzer, ``(?u)\\b\\w+\\b`` on lowercased text."""
    token = re.compile(r"(?u)\b\w+\b")
    return sum(len(token.findall(document.lower())) for document in documents)


if __name__ == "__main__":
    for name, load in (("gcide", gcide_documents), ("wordnet", wordnet_documents)):
        try:
            documents = load()
        except FileNotFoundError as error:
            print(f"{name}: {error}")
            continue
        print(f"{name}: {len(documents)} documents, {count_tokens(documents)} tokens")
