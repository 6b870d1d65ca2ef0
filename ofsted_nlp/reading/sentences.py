"""Text normalisation and sentence splitting.

Two splitters live here:

- ``split_sentences``: the rule splitter the report reader has always used. Report sentence ids
  are hashes of the sentences it yields, and gold labels join by those ids, so full inspection
  reports keep it (pysbd changes about 1% of report sentences: see notes/issue11.md).
- ``sentence_spans``: pysbd (the "golden rules" segmenter), used for letters, news and any
  pasted text. It was checked against the rule splitter on 300 sentences of letter and news
  text (notes/issue11.md).

This is the lowest module of ``ofsted_nlp.reading``: it imports nothing from the package.
"""
from __future__ import annotations

import functools
import re

# The longest piece pysbd is handed at once: its cost grows faster than linearly with the
# length of a paragraph, so longer paragraphs are cut at a full stop (else a space) first.
PYSBD_CHUNK_CHARS = 2_000
# A "sentence" needs this many words and letters to be worth classifying (not "(b)" or "2019").
MIN_FINDING_WORDS = 3
MIN_FINDING_LETTERS = 12


def norm(text: str) -> str:
    """One space between words, plain apostrophes, no non-breaking spaces."""
    return " ".join(text.replace("\u00a0", " ").replace("’", "'").replace("‘", "'").replace("`", "'").split())


# A paragraph's last part ends a clause (END_PUNCT) or a sentence (SENTENCE_CLOSE).
END_PUNCT = re.compile(r"[.!?:;][’'\")\]]*$")
SENTENCE_CLOSE = re.compile(r"[.!?][’'\")\]]*$")


def looks_like_finding(text: str) -> bool:
    """Whether a piece of text is long enough to be a sentence (not a number or a stray label)."""
    return len(text.split()) >= MIN_FINDING_WORDS and sum(c.isalpha() for c in text) >= MIN_FINDING_LETTERS


# --------------------------------------------------------------------------- the report splitter

_ABBREVIATIONS = {
    "e.g", "i.e", "eg", "ie", "etc", "dr", "mr", "mrs", "ms", "prof", "cllr", "st", "no", "nos",
    "vs", "cf", "approx", "para", "paras", "fig", "ref", "sr", "jr", "co", "inc", "ltd", "dept",
    "govt", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "p", "pp", "al", "hmi",
}
_SENTENCE_END = re.compile(r"[.!?][’'\")\]]*(?=\s+[‘'\"(\[]?[A-Z0-9])")
# "(Outcome one, National Framework)", "(Paragraph 30 and 112)", "(Recommendation)"
_TRAILING_REF = re.compile(r"\s*\((?:paragraphs?|paras?\.?|outcome|recommendations?|see)\b[^()]{0,80}\)[.;]?(?=\s|$)",
                           re.I)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of one report paragraph (the report reader's splitter).

    A full stop ends a sentence only when the next word starts with a capital or
    a digit, and not after an abbreviation ("e.g.", "Dr") or an initial ("J. Smith").
    A reference in brackets after a full stop ("... plans. (Paragraph 30)") stays
    with the sentence before it.
    """
    ends = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end()
        if end <= start:
            continue
        if text[m.start()] == ".":
            word = re.search(r"([A-Za-z.]+)\.$", text[max(start, m.start() - 40):m.start() + 1])
            token = word.group(1).lower() if word else ""
            if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
                continue
        ref = _TRAILING_REF.match(text, end)
        if ref:
            end = ref.end()
        ends.append(end)
        start = end
    return _spans(text, ends)


def _spans(text: str, ends: list[int]) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for end in ends + [len(text.rstrip())]:
        seg = text[start:end]
        if seg.strip():
            s = start + (len(seg) - len(seg.lstrip()))
            spans.append((s, end))
        start = end
    return spans


# --------------------------------------------------------------------------- pysbd

@functools.lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


# pysbd keeps "... getting there. 'I'm confident ..." as one sentence: a sentence end followed by an
# opening quotation mark and a capital starts a new (quoted) sentence, as news quotes run.
_QUOTED_SENTENCE_START = re.compile(r"(?<=[.!?])\s+(?=['\"‘“][A-Z])")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of one paragraph of letter, news or pasted text (pysbd)."""
    spans: list[tuple[int, int]] = []
    for offset, chunk in _chunks(text):
        for s, e in _split_quoted(chunk, _segmenter().segment(chunk)):
            s += offset
            e += offset
            seg = text[s:e]
            if not seg.strip():
                continue
            s += len(seg) - len(seg.lstrip())
            e = s + len(seg.strip())
            if spans and not any(c.isalnum() for c in text[s:e]):
                spans[-1] = (spans[-1][0], e)  # pysbd cuts a closing quote or a stray bullet off its sentence
            else:
                spans.append((s, e))
    return spans


def _split_quoted(chunk: str, pieces) -> list[tuple[int, int]]:
    """pysbd's pieces as (start, end), each cut again where a quoted sentence starts inside it."""
    out = []
    for piece in pieces:
        start = piece.start
        for m in _QUOTED_SENTENCE_START.finditer(chunk, piece.start, piece.end):
            out.append((start, m.start()))
            start = m.end()
        out.append((start, piece.end))
    return out


def _chunks(text: str):
    """(offset, piece): the text cut into pieces of at most PYSBD_CHUNK_CHARS at sentence ends.

    The cut is the last sentence end the rule splitter finds in the second half of the piece, so a
    full stop of "e.g." or "Dr." is never taken for one; a piece with no sentence end there is cut
    at its last space (a "sentence" that long is cut for the model anyway).
    """
    start = 0
    while len(text) - start > PYSBD_CHUNK_CHARS:
        head = text[start:start + PYSBD_CHUNK_CHARS]
        ends = [end for _, end in split_sentences(head)[:-1] if end > PYSBD_CHUNK_CHARS // 2]
        cut = ends[-1] if ends else (head.rfind(" ") if head.rfind(" ") > 0 else len(head))
        yield start, text[start:start + cut]
        start += cut
    if text[start:].strip():
        yield start, text[start:]
