"""Model inputs: a sentence, optionally with the area its report section names.

The annotation guideline sends a sentence that names no group of children to
the area of the section it stands in, so a model that sees the section reads
the sentence as an annotator does. Models trained this way record it in their
directory (`input_format.json`), and classify() composes the same input:
the section's area when a sentence comes from a report, "unknown" otherwise.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

INPUT_FORMAT_FILE = "input_format.json"
SECTION_CONTEXT = "section_context_v1"
PLAIN = "plain"


def with_section(text: str, section_area: str | None) -> str:
    """``"section: <area>. <text>"``, the area's underscores as spaces and ``unknown`` when there is none."""
    area = (section_area or "unknown").replace("_", " ")
    return f"section: {area}. {text}"


def compose(texts: Iterable[str], section_areas: Iterable[str | None] | None = None,
            input_format: str = PLAIN) -> list[str]:
    """The model inputs for ``texts`` in ``input_format``: the texts themselves (``plain``), or each
    prefixed with its section's area (``section_context_v1``; ``section_areas`` None: all unknown).

    Raises ValueError for an unknown input format.
    """
    texts = list(texts)
    if input_format == PLAIN:
        return texts
    if input_format != SECTION_CONTEXT:
        raise ValueError(f"unknown input format {input_format!r}")
    areas = list(section_areas) if section_areas is not None else [None] * len(texts)
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
