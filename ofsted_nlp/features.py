"""Model inputs: a sentence, optionally with the area its report section names.

The annotation guideline sends a sentence that names no group of children to
the area of the section it stands in, so a model that sees the section reads
the sentence as an annotator does. Models trained this way record it in their
directory (`input_format.json`), and classify() composes the same input:
the section's area when a sentence comes from a report, "unknown" otherwise.

``section_context_v2`` adds one thing: a sentence of a news article (or other
text) with no section reads ``section: news``, so that a model can learn how
news words its findings (paraphrased judgements, quotes, headlines) apart from
a report sentence whose section is unknown. A v1 model never sees that word.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

INPUT_FORMAT_FILE = "input_format.json"
SECTION_CONTEXT = "section_context_v1"
DOCUMENT_CONTEXT = "section_context_v2"
PLAIN = "plain"
NEWS_KIND = "news_or_text"  # the document kind (labels.DOCUMENT_KINDS) whose sentences v2 marks as news
NEWS_CONTEXT = "news"


def with_section(text: str, section_area: str | None) -> str:
    """``"section: <area>. <text>"``, the area's underscores as spaces and ``unknown`` when there is none."""
    area = (section_area or "unknown").replace("_", " ")
    return f"section: {area}. {text}"


def compose(texts: Iterable[str], section_areas: Iterable[str | None] | None = None,
            input_format: str = PLAIN, document_kinds: Iterable[str | None] | None = None) -> list[str]:
    """The model inputs for ``texts`` in ``input_format``: the texts themselves (``plain``), or each
    prefixed with its section's area (``section_context_v1``; ``section_areas`` None: all unknown), or
    that with ``news`` for a sentence of a news document that has no section area (``section_context_v2``,
    from ``document_kinds``, one a text; None: no news).

    Raises ValueError for an unknown input format.
    """
    texts = list(texts)
    if input_format == PLAIN:
        return texts
    if input_format not in (SECTION_CONTEXT, DOCUMENT_CONTEXT):
        raise ValueError(f"unknown input format {input_format!r}")
    areas = list(section_areas) if section_areas is not None else [None] * len(texts)
    if input_format == DOCUMENT_CONTEXT and document_kinds is not None:
        areas = [area or (NEWS_CONTEXT if kind == NEWS_KIND else None) for area, kind in zip(areas, document_kinds)]
    return [with_section(t, a) for t, a in zip(texts, areas)]


def write_input_format(model_dir: str | Path, input_format: str) -> None:
    """Record in ``model_dir`` (its input_format.json) the input format the model was trained on."""
    Path(model_dir, INPUT_FORMAT_FILE).write_text(json.dumps({"input_format": input_format}) + "\n")


def read_input_format(model_dir: str | Path) -> str:
    """The input format recorded in ``model_dir``; ``plain`` when it records none."""
    path = Path(model_dir, INPUT_FORMAT_FILE)
    if not path.exists():
        return PLAIN
    return json.loads(path.read_text()).get("input_format", PLAIN)
