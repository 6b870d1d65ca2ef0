"""TF-IDF (word and character n-grams) with a logistic-regression head, C tuned on validation.

Run: python experiments/tfidf.py
"""
from common import load_gold, run_experiment, seed_everything

from ofsted_nlp import features
from ofsted_nlp.models import FindingClassifier
from ofsted_nlp.models.tfidf import TfidfClassifier

GRID_C = (1.0, 3.0, 10.0, 30.0)


def tune(splits):
    """The C of each task that maximises validation macro-F1."""
    from sklearn.metrics import f1_score

    train, val = splits["train"], splits["validation"]
    best = {}
    for task in ("area", "polarity"):
        y_train = getattr(train, task + "s" if task == "area" else "polarities")
        y_val = getattr(val, task + "s" if task == "area" else "polarities")
        scores = {}
        for c in GRID_C:
            seed_everything()
            m = TfidfClassifier(C=c).fit(train.texts, y_train)
            scores[c] = f1_score(y_val, m.predict(val.texts), average="macro")
        best[task] = max(scores, key=scores.get)
        print(task, {c: round(s, 3) for c, s in scores.items()})
    return best


def main():
    splits = load_gold()
    best = tune(splits)
    model = FindingClassifier(TfidfClassifier(C=best["area"]), TfidfClassifier(C=best["polarity"]))
    params = {"area_C": best["area"], "polarity_C": best["polarity"], "features": "word 1-2 + char_wb 2-5 tf-idf"}
    run_experiment("tfidf_logreg", model, params, splits=splits, description="TF-IDF + logistic regression, gold only")
    model = FindingClassifier(TfidfClassifier(C=best["area"]), TfidfClassifier(C=best["polarity"]))
    run_experiment("tfidf_logreg_context", model, params, splits=splits, input_format=features.SECTION_CONTEXT,
                   description="TF-IDF + logistic regression with the section's area as context, gold only")


if __name__ == "__main__":
    main()
