"""Text analysis for the index: the same French words, whatever the database.

Documents and queries go through the same steps, in Python: case folding, ligatures and accents folded
("Médiation" → "mediation"), words split on anything that is not a letter or a digit, a short list of
French function words dropped ("le", "de", "pour"…), then the French Snowball stemmer ("ateliers" →
"ateli"). What the database indexes is the resulting string of stems, one space between them, made only
of ``[a-z0-9]``: SQLite's FTS5 and PostgreSQL's ``to_tsvector('simple', …)`` split such a string into the
very same tokens, so both databases find the same documents, and a query can never be read as search
syntax (quotes, ``*``, ``-``, ``NEAR(``, ``AND``… are gone before the database sees anything).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

# Longer words are cut: PostgreSQL ignores words over 2047 bytes, and nobody searches for such a word.
MAX_WORD_LENGTH = 40
# A document's stems stop after this many words: enough for any page, and far below PostgreSQL's
# 1 MB tsvector limit.
MAX_DOCUMENT_WORDS = 20_000
# The query keeps its first words only: each one is an AND, and past a few the query finds nothing anyway.
MAX_QUERY_WORDS = 8
MAX_QUERY_LENGTH = 200

WORD_RE = re.compile(r"[^\W_]+")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# The words of a text as written, for its extract: combining marks (an accent typed as a character of its
# own, "e" + U+0301, as some systems and copy-pastes give them) belong to the word they follow, as in the
# index, where folding removes them. ``\w`` alone would cut "Médiation" in two there.
COMBINING_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
TEXT_WORD_RE = re.compile(rf"[^\W_](?:[^\W_]|[{COMBINING_MARKS}])*")
# Control characters that have no place in a page; tabs and line breaks are white space and stay.
UNSAFE_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
SPACE_RE = re.compile(r"\s")

# Folded (no accents), so that "à" and "a" are both dropped. Kept short on purpose: only words that carry
# no meaning on their own. Single letters (the elided "l'", "d'", "qu'"…) are dropped too.
STOP_WORDS = frozenset(["au", "aux", "avec", "ca", "ce", "ces", "cet", "cette", "chez", "dans", "de", "des", "du", "elle", "elles", "en", "entre", "et", "il", "ils", "je", "la", "le", "les", "leur", "leurs", "lui", "ma", "mais", "me", "mes", "mon", "ne", "ni", "nos", "notre", "nous", "on", "ou", "par", "pas", "pour", "qu", "que", "qui", "sa", "sans", "se", "ses", "son", "sous", "sur", "ta", "te", "tes", "toi", "ton", "tu", "un", "une", "vers", "vos", "votre", "vous"])

_local = threading.local()  # stemmer objects keep state between calls: one per thread


def _stemmer():
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("french")
    return stemmer


def fold(text: str) -> str:
    """Lower case without accents or ligatures: "Œuvre NUMÉRIQUE" → "oeuvre numerique"."""
    text = text.casefold().replace("œ", "oe").replace("æ", "ae")
    return "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The index form of one folded word: stemmed, then made of ``[a-z0-9]`` only."""
    word = _stemmer().stemWord(word[:MAX_WORD_LENGTH])
    if not word.isascii():
        # Words in other scripts stay searchable as whole words; hex keeps both databases' tokenizers
        # from splitting them differently.
        word = "u" + word.encode("utf-8").hex()[:MAX_WORD_LENGTH]
    return word


def words(text: str) -> list[str]:
    """The folded words of ``text``, function words left in."""
    return WORD_RE.findall(fold(text))


def is_stop_word(word: str) -> bool:
    return word in STOP_WORDS or (len(word) == 1 and not word.isdigit())


def terms(text: str, limit: int | None = None) -> list[str]:
    """The stems of the meaningful words of ``text``, in order, repeats kept."""
    found = []
    for word in words(text or ""):
        if is_stop_word(word):
            continue
        found.append(stem(word))
        if limit is not None and len(found) >= limit:
            break
    return found


def document_stems(text: str | None) -> str:
    """What the index stores for a title or a text."""
    return " ".join(terms(text or "", limit=MAX_DOCUMENT_WORDS))


def clean_query(raw: str | None) -> str:
    """The query as typed, safe to echo and to keep in links: no control characters, bounded length."""
    return " ".join(CONTROL_RE.sub(" ", raw or "").split())[:MAX_QUERY_LENGTH]


@dataclass(frozen=True)
class ParsedQuery:
    """A query, reduced to the stems to look for."""

    text: str  # cleaned, as typed
    terms: tuple[str, ...]  # distinct stems, at most MAX_QUERY_WORDS
    problem: str | None = None  # "empty", "no_words" or "common_words" when there is nothing to look for
    truncated: bool = False  # words past MAX_QUERY_WORDS were left out


def parse_query(raw: str | None) -> ParsedQuery:
    text = clean_query(raw)
    if not text:
        return ParsedQuery(text, (), "empty")
    all_words = words(text)
    if not all_words:
        return ParsedQuery(text, (), "no_words")
    stems = list(dict.fromkeys(stem(word) for word in all_words if not is_stop_word(word)))
    if not stems:
        return ParsedQuery(text, (), "common_words")
    return ParsedQuery(text, tuple(stems[:MAX_QUERY_WORDS]), truncated=len(stems) > MAX_QUERY_WORDS)


def snippet(text: str, wanted: tuple[str, ...] | frozenset[str], width: int = 220) -> list[tuple[str, bool]]:
    """An extract of ``text`` around the first word that matches, as (part, is_match) pairs to show.

    Every part is a slice of ``text`` cut at character offsets, never words put back together: joined, the
    parts give the extract exactly as written (elisions such as "d’ateliers", punctuation, the narrow spaces
    of French typography, accents typed as one character or two), with "… " and " …" where it was cut, at
    white space. Only control characters other than white space become spaces. The parts are plain text:
    the template escapes them. Only the start of a long text is scanned: the extract is a help, not a proof.
    """
    text = UNSAFE_CONTROL_RE.sub(" ", text or "")
    wanted = frozenset(wanted)
    scanned = text[:20_000]
    # Words are read up to the first match only, then within the extract: the rest of a long text is never
    # folded and stemmed (three quarters of a results page's CPU before).
    first = next((match for match in TEXT_WORD_RE.finditer(scanned) if _matches(match.group(), wanted)), None)
    start = 0
    if first is not None and first.start() > width // 3:
        start = _extract_start(text, first.start() - width // 4, first.start())
    end = min(len(text), start + width)
    if end < len(text):
        end = _extract_end(text, start, end)
    parts: list[tuple[str, bool]] = [("… ", False)] if start else []
    position = start
    # Over the whole text, not a copy cut at ``end``: a word that runs past the end is left out whole rather
    # than shown cut and highlighted.
    matches = [] if first is None else TEXT_WORD_RE.finditer(text, max(first.start(), start))
    for match in matches:
        if match.end() > end:
            break
        if not _matches(match.group(), wanted):
            continue
        parts.append((text[position:match.start()], False))
        parts.append((match.group(), True))
        position = match.end()
    parts.append((text[position:end], False))
    if end < len(text):
        parts.append((" …", False))
    return [(part, hit) for part, hit in parts if part]


def _extract_start(text: str, low: int, match_start: int) -> int:
    """Where an extract that must show the match at ``match_start`` begins: after the first white space from
    ``low`` on, so that it starts with a whole word (an elision such as "d’" stays with its word); at the
    match itself when there is no white space in between (a long address, say)."""
    space = SPACE_RE.search(text, low, match_start)
    return space.end() if space else match_start


def _extract_end(text: str, start: int, end: int) -> int:
    """Where an extract cut near ``end`` stops: at the last white space after ``start``; failing that at
    ``end``, moved back so as not to part a letter from its combining accent."""
    for position in range(end, start, -1):
        if text[position].isspace():
            return position
    while end > start and unicodedata.combining(text[end]):
        end -= 1
    return end


def _matches(word: str, wanted: frozenset[str]) -> bool:
    return _index_form(word) in wanted


@lru_cache(maxsize=50_000)
def _index_form(word: str) -> str | None:
    """What a word of a text is in the index (``None`` for a stop word): the same words recur page after page."""
    folded = fold(word)
    return None if is_stop_word(folded) else stem(folded)
