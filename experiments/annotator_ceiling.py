"""How well one annotator predicts another: the ceiling a model's figures are read against.

For every split, the sentences labelled twice (labelled_data/double_annotation.jsonl, both annotators' own labels
before adjudication) score the first annotator's labels against the second's with the same macro-F1 the models
are scored with: polarity over the gold findings (area not `none`), area over all. A model compared with one
annotator's labels cannot be expected to agree with them more closely than a second annotator does.

Run: python experiments/annotator_ceiling.py   (writes results/annotator_ceiling.json)
"""
import json

from common import write_results
from sklearn.metrics import f1_score

from ofsted_nlp import data


def split_ceiling(doubles: list[dict], gold: dict) -> dict:
    findings = [d for d in doubles if gold[d["id"]]["area"] != "none"]
    first = [d["first"]["polarity"] for d in findings]
    second = [d["second"]["polarity"] for d in findings]
    return {"n_double": len(doubles), "n_double_findings": len(findings),
            "area_macro_f1": f1_score([d["first"]["area"] for d in doubles], [d["second"]["area"] for d in doubles],
                                      average="macro"),
            "polarity_macro_f1": f1_score(first, second, average="macro"),
            "polarity_neutral_f1": f1_score(first, second, labels=["neutral"], average="macro")}


def main() -> dict:
    rows = data.load_gold_rows()
    gold = {row["id"]: row for row in rows}
    splits = data.load_splits()
    doubles = {d["id"]: d for d in data.read_jsonl(data.labelled_data_dir() / "double_annotation.jsonl")}
    result = {"data_version": data.data_version(), "splits_version": splits["version"]}
    for name, split in data.split_rows(rows, splits).items():
        in_split = [doubles[row["id"]] for row in split if row["id"] in doubles]
        if in_split:
            result[name] = split_ceiling(in_split, gold)
    write_results("annotator_ceiling", result)
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
