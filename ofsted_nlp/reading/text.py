"""Text, Markdown and HTML as documents.

`text_blocks` cuts text into blocks: a blank line ends a block; inside a block a line break ends
one when the line before closes a sentence or is a short line with no closing punctuation (a
heading, an address line), and Markdown headings (`#`), bullets (`-`, `*`, `•`, `1.`) and the
lines of a letter's salutation and sign-off stand alone. `html_to_markdown` takes an HTML page's
main content with trafilatura. `news_document` reads blocks that are no letter: a news article or
any other text (title, byline and links are boilerplate).
"""
from __future__ import annotations

import re

from .blocks import Block
from .document import Document, Element, Section, fill_sentences
from .sections import classify_heading
from .sentences import END_PUNCT, norm, sentence_spans

# A line shorter than this with no closing punctuation ends its block (a heading, an address line).
SHORT_LINE_CHARS = 60
# A block this short with no closing punctuation, starting with a capital, is a heading.
HEADING_MAX_CHARS = 100
# A short question standing alone ("What needs to improve?") is a heading too.
QUESTION_HEADING_MAX_WORDS = 8
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*$")
_MD_BULLET = re.compile(r"^(?:[-*+•▪●◼■–]|\d{1,3}[.)])\s+(?=\S)")
_OWN_LINE = re.compile(r"^(?:Dear|Yours (?:sincerely|faithfully))\b", re.I)
# Quotation marks a news sub-heading may be set in ("'Support is not consistent for all young people'").
_OPENING_QUOTES = "'\"\u2018\u201c"


def text_blocks(text: str) -> list[Block]:
    """Blocks of a text, Markdown or extracted HTML document (see the module docstring)."""
    blocks: list[Block] = []
    current: Block | None = None
    prev_line = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            current, prev_line = None, ""
            continue
        md = _MD_HEADING.match(line)
        bullet = _MD_BULLET.match(line)
        if md:
            blocks.append(Block("heading", _strip_md(md.group(2)), line=number, level=len(md.group(1))))
            current, prev_line = None, ""
            continue
        starts = current is None or bullet is not None or _OWN_LINE.match(line) or _OWN_LINE.match(prev_line) or \
            (END_PUNCT.search(prev_line) and not line[:1].islower() and current.kind != "bullet") or \
            (len(prev_line) < SHORT_LINE_CHARS and not END_PUNCT.search(prev_line) and not line[:1].islower())
        if bullet is not None:
            line = line[bullet.end():]
        line = _strip_md(line)
        if starts:
            current = Block("bullet" if bullet is not None else "text", line, line=number)
            blocks.append(current)
        else:
            assert current is not None  # a continuation line follows a block's first line
            current.text = f"{current.text} {line}"
        prev_line = line
    for b in blocks:
        b.text = norm(b.text)
    blocks = [b for b in blocks if b.text]
    for i, b in enumerate(blocks):
        if b.kind == "text" and _reads_as_heading(b.text, last=i == len(blocks) - 1):
            b.kind = "heading"
    return blocks


def _reads_as_heading(text: str, last: bool) -> bool:
    """A short block with no closing punctuation (or a short question), starting with a capital (after any
    opening quotation mark), that is one sentence and has text below it to head. The last block of a text is
    no heading: it is most often a sentence cut off where the text ends."""
    question = text.endswith("?") and len(text.split()) <= QUESTION_HEADING_MAX_WORDS
    if last or len(text) >= HEADING_MAX_CHARS or not (question or not END_PUNCT.search(text)):
        return False
    if not text.lstrip(_OPENING_QUOTES)[:1].isupper() or _OWN_LINE.match(text):
        return False
    return len(sentence_spans(text)) == 1


def _strip_md(text: str) -> str:
    """Markdown emphasis and links as plain text."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"(\*\*|__|\*|_|`)(\S(?:.*?\S)?)\1", r"\2", text)


def lines_blocks(text: str) -> list[Block]:
    """One block a non-empty line (line-per-item mode: `lines=True`)."""
    return [Block("text", norm(line), line=n) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def html_to_markdown(html: str) -> str:
    """The main content of an HTML page as Markdown (trafilatura: boilerplate, menus and footers left out)."""
    import trafilatura

    out = trafilatura.extract(html, output_format="markdown", include_comments=False, include_tables=True,
                              include_links=False, favor_recall=True, with_metadata=False)
    if not out:
        return ""
    title = trafilatura.extract_metadata(html)
    heading = title.title if title is not None and title.title else None
    if heading and norm(heading) not in norm(out[:500]):
        out = f"# {heading}\n\n{out}"
    return out


# --------------------------------------------------------------------------- news and other text

_BYLINE = re.compile(r"^(?:By [A-Z][\w.'-]+(?: [A-Z][\w.'-]+){0,3}(?:,.*)?$|(?:Published|Updated|Posted|Last updated)\b|"
                     r"\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\w* \d{4}(?:,? \d{1,2}[:.]\d{2}.*)?$|"
                     r"(?:Reporter|Correspondent|Editor)\b)", re.I)
_LINK = re.compile(r"^(?:Read more|Related|More on this|Follow us|Share (?:this|on)|Sign up|Subscribe|Click here|"
                   r"Image (?:caption|source)|Getty Images|Copyright|©|All rights reserved|Advertisement|"
                   r"Cookies?|Listen to|Watch:|See also|https?://|www\.)", re.I)


# A picture credit inside a short block marks a caption ("Cabinet member Sam Hill (Image: Simon Lee
# Photography)"); a longer block holding one is a paragraph a caption was glued to (a cut-off last line).
CAPTION_MAX_CHARS = 160
_PICTURE_CREDIT = re.compile(r"\((?:Image|Picture|Photo|Photograph|Pic)s?(?: credit)?:", re.I)


def boilerplate_role(text: str) -> str | None:
    """The role of a news block that is not news: a byline or dateline, a link or caption."""
    if _BYLINE.match(text):
        return "byline"
    if _LINK.match(text):
        return "link"
    if (len(text) <= CAPTION_MAX_CHARS and _PICTURE_CREDIT.search(text)) or _said_again(text):
        return "caption"
    return None


# A scraped page can give one picture text up to three times in a row (alt text, caption, title attribute).
MAX_REPEATS = 3


def _said_again(text: str) -> bool:
    """A block that is one text written two or more times end to end: a scraped page's picture caption after
    its alt text ("Paul Moffat, chief executive.Paul Moffat, chief executive."), never a sentence of the
    article. Spacing is ignored: the copies may be glued together or separated by a space."""
    squeezed = "".join(text.split())
    return bool(squeezed) and any(len(squeezed) % n == 0 and squeezed == squeezed[:len(squeezed) // n] * n
                                  for n in range(2, MAX_REPEATS + 1))


def news_document(blocks: list[Block], *, path: str, report_id: str) -> Document:
    """A news article or other text: its first heading is the title, then sections by heading."""
    section = Section(heading="Text", kind="other", area=None)
    sections = [section]
    title = None
    for b in blocks:
        role = boilerplate_role(b.text)
        if b.kind == "heading" and role is None:
            if title is None and not any(s.paragraphs for s in sections):
                title = b.text
                section.paragraphs.append(_element(b, section, "title", None, report_id))
                continue
            found = classify_heading(b.text)
            section = Section(heading=b.text, kind="other", area=found[1] if found else None)
            sections.append(section)
            continue
        kind = "boilerplate" if role else "text" if b.kind == "heading" else b.kind
        section.paragraphs.append(_element(b, section, kind, role, report_id))
    doc = Document(path=path, report_id=report_id, local_authority=None, publication_date=None,
                   inspection_start=None, inspection_end=None, lead_inspector=None, era=None, grades=None,
                   sections=[s for s in sections if s.paragraphs], kind="news_or_text", title=title)
    return doc



def _element(b: Block, section: Section, kind: str, role: str | None, report_id: str) -> Element:
    element = Element(index=-1, number=None, page=b.page, text=b.text, kind=kind, role=role, y=b.y, line=b.line)
    fill_sentences(element, section, report_id, finding=kind not in ("boilerplate", "title"), area=section.area)
    return element
