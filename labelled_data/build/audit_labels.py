"""Label audit: cleanlab's find_label_issues on out-of-fold probabilities over all gold.

Out-of-fold probabilities come from the TF-IDF + logistic-regression model (with section context
for area), 5 folds grouped by publication so no sentence is scored by a model that saw its
publication. Each task is audited on its own; a sentence flagged for either task is listed once.
The flags only decide which sentences are re-read: every decision (kept / changed, with the old
and new label and a reason) is made by an annotator reading the sentence against the guideline and
is recorded in labelled_data/audit/decisions.jsonl, which merge_round2.py applies.

Run: python labelled_data/build/audit_labels.py <work folder for the re-reading task>
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

LABELLED = Path(__file__).resolve().parents[1]
N_FOLDS = 5


def out_of_fold(texts, labels, groups, classes):
    from sklearn.model_selection import GroupKFold

    from ofsted_nlp.models.tfidf import TfidfClassifier

    proba = np.zeros((len(texts), len(classes)))
    texts, labels = np.asarray(texts, dtype=object), np.asarray(labels)
    for train, test in GroupKFold(n_splits=N_FOLDS).split(texts, labels, groups):
        model = TfidfClassifier(C=5.0).fit(list(texts[train]), labels[train])
        p = model.predict_proba(list(texts[test]))
        for j, c in enumerate(model.classes_):
            proba[test, list(classes).index(c)] = p[:, j]
    return proba


def main(work: Path) -> None:
    from cleanlab.filter import find_label_issues

    from ofsted_nlp import data, features
    from ofsted_nlp.labels import AREA_CLASSES, POLARITIES

    rows = data.load_gold_rows()
    groups = [r["report_id"] for r in rows]
    flagged: dict[str, dict] = {}
    for task, classes, texts in (
        ("area", AREA_CLASSES, features.compose([r["text"] for r in rows], [r["section_area"] for r in rows],
                                                features.SECTION_CONTEXT)),
        ("polarity", POLARITIES, [r["text"] for r in rows]),
    ):
        labels = np.array([list(classes).index(r[task]) for r in rows])
        proba = out_of_fold(texts, [r[task] for r in rows], groups, classes)
        issues = find_label_issues(labels, proba, filter_by="prune_by_noise_rate",
                                   return_indices_ranked_by="self_confidence")
        print(f"{task}: {len(issues)} flagged of {len(rows)}")
        for i in issues:
            entry = flagged.setdefault(rows[i]["id"], {"row": rows[i], "tasks": []})
            entry["tasks"].append({"task": task, "suggested": classes[int(proba[i].argmax())],
                                   "self_confidence": round(float(proba[i][labels[i]]), 3)})
    audit = LABELLED / "audit"
    audit.mkdir(exist_ok=True)
    with open(audit / "flagged.jsonl", "w", encoding="utf-8") as fh:
        for sid, entry in flagged.items():
            r = entry["row"]
            fh.write(json.dumps({"id": sid, "text": r["text"], "area": r["area"], "polarity": r["polarity"],
                                 "flagged_for": [t["task"] for t in entry["tasks"]],
                                 "cleanlab": entry["tasks"]}, ensure_ascii=False) + "\n")
    work.mkdir(parents=True, exist_ok=True)
    with open(work / "to_review.jsonl", "w", encoding="utf-8") as fh:
        for sid, entry in flagged.items():
            r = entry["row"]
            fh.write(json.dumps({"id": sid, "text": r["text"], "section": r["section"],
                                 "section_area_by_heading": r["section_area"],
                                 "document": f"{r['local_authority']} ({r['publication_date']}, {r['document_kind']})",
                                 "current_area": r["area"], "current_polarity": r["polarity"],
                                 "flagged_for": [t["task"] for t in entry["tasks"]]}, ensure_ascii=False) + "\n")
    print(f"{len(flagged)} sentences to re-read -> {work / 'to_review.jsonl'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
