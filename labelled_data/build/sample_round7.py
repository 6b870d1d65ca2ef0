"""Draw round 7's second reading: training findings both L6 teachers could not fit, and a random control.

Both MiniLM-L6 teachers of data 2.4.0 (runs/minilm_l6_fp32_seed{0,1}) score the training split they were
trained on; a finding (gold area not `none`) whose gold polarity is not the argmax of their mean probability is
a suspect. A random 120 of the findings they do fit are the control. Both strata are shuffled together and cut
into three thirds, each third read by two annotators (review_round7.py). Which stratum a sentence is in goes to
strata.jsonl, kept from the annotators. Annotators see text, section, section area and document only.

Run from the project root on data 2.4.0 (labelled_data as at commit fdc2b10, e.g. through $OFSTED_NLP_DATA):
python labelled_data/build/sample_round7.py /work/annotation_round7
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "experiments"))

TEACHERS = {"minilm_l6_fp32_seed0_data2.4.0": 0.5, "minilm_l6_fp32_seed1_data2.4.0": 0.5}  # the 2.4.0 teachers
N_CONTROL = 120
N_THIRDS = 3
SEED = 20261207
SHUFFLE_SEED = 7
READER_PAIRS = (("R21", "R22"), ("R23", "R24"), ("R25", "R26"))


def task(row: dict) -> dict:
    """What an annotator sees: never the label."""
    if row["document_kind"] == "inspection":
        document = f'{row["local_authority"]} ({row["publication_date"]}, {row.get("era") or ""} inspection report)'
    else:
        document = (f'{row["local_authority"]} ({row["publication_date"]}, {row["document_kind"]}; '
                    f'page text: documents/{row["report_id"]}.txt)')
    return {"id": row["id"], "text": row["text"], "section": row["section"] or "(no heading)",
            "section_area_by_heading": row["section_area"], "document": document}


def strata(train, polarity_proba, polarity_classes) -> dict[str, str]:
    """id -> suspect / control, suspects in training-split order, then the control in its draw order."""
    import pandas as pd

    findings = pd.DataFrame({"id": train.ids, "area": train.areas, "polarity": train.polarities,
                             "predicted": np.array(polarity_classes)[polarity_proba.argmax(1)]})
    findings = findings[findings.area != "none"]
    suspects = findings[findings.predicted != findings.polarity]
    control = findings[findings.predicted == findings.polarity].sample(n=N_CONTROL, random_state=SEED)
    return {**{i: "suspect" for i in suspects.id}, **{i: "control" for i in control.id}}


def main(work: Path) -> None:
    from common import load_gold
    from distill import teacher_proba

    from ofsted_nlp.data import load_gold_rows
    from ofsted_nlp.labels import AREA_CLASSES, POLARITIES

    train = load_gold()["train"]
    _, polarity = teacher_proba(train.texts, train.section_areas, list(AREA_CLASSES), list(POLARITIES), TEACHERS)
    stratum_of = strata(train, polarity, list(POLARITIES))
    rows = {r["id"]: r for r in load_gold_rows()}
    ids = list(stratum_of)
    random.Random(SHUFFLE_SEED).shuffle(ids)
    (work / "documents").mkdir(parents=True, exist_ok=True)
    for i in ids:
        if rows[i]["document_kind"] != "inspection":
            shutil.copy(ROOT / "labelled_data" / "documents" / f"{rows[i]['report_id']}.txt", work / "documents")
    for third, readers in enumerate(READER_PAIRS):
        lines = "".join(json.dumps(task(rows[i]), ensure_ascii=False) + "\n" for i in ids[third::N_THIRDS])
        for reader in readers:
            (work / f"ann_{reader}").mkdir(exist_ok=True)
            (work / f"ann_{reader}" / "to_label.jsonl").write_text(lines)
    hidden = work.parent / f"{work.name}_strata.jsonl"  # outside the annotators' folder
    hidden.write_text("".join(json.dumps({"id": i, "stratum": stratum_of[i]}) + "\n" for i in ids))
    print(f"{len(ids)} sentences ({sum(s == 'suspect' for s in stratum_of.values())} suspects); strata in {hidden}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("work", type=Path)
    main(ap.parse_args().work)
