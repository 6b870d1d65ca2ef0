"""Stable sentence ids: the publication plus a hash of the sentence's normalised text.

A paragraph counter changes whenever the reader's layout rules change, so ids
built from one never join a corpus built later. The text of a sentence does
not change with the reader (beyond whitespace and typographic variants, which
`normalise_text` folds), so `<publication id>:<hash of the text>` does.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
import re
import unicodedata

ID_HASH_CHARS = 12  # 48 bits: collisions within one publication are vanishingly rare
_SPACE = re.compile(r"\s+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                         "\u2013": "-", "\u2014": "-", "\u00a0": " "})


def normalise_text(text: str) -> str:
    """The text an id is made from: NFKC, plain quotes and dashes, one space, no case."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _SPACE.sub(" ", text).strip().casefold()


def sentence_id(publication_id: str, text: str, occurrence: int = 1) -> str:
    """`<publication id>:<12 hex>`; a sentence repeated in one publication gets `~2`, `~3`, ..."""
    digest = hashlib.sha1(normalise_text(text).encode("utf-8")).hexdigest()[:ID_HASH_CHARS]
    suffix = f"~{occurrence}" if occurrence > 1 else ""
    return f"{publication_id}:{digest}{suffix}"


def assign_ids(publication_id: str, texts: Iterable[str]) -> list[str]:
    """Ids for a publication's sentences in reading order (repeats numbered by occurrence)."""
    seen: dict[str, int] = {}
    ids = []
    for text in texts:
        key = normalise_text(text)
        seen[key] = seen.get(key, 0) + 1
        ids.append(sentence_id(publication_id, text, seen[key]))
    return ids
