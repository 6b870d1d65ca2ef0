"""Baselines a user might otherwise pick: majority class, keyword area, TextBlob and VADER polarity.

TextBlob and VADER are the lexicon sentiment public tools apply to these reports.
Run: python experiments/baselines.py
"""
from common import run_experiment

from ofsted_nlp.models import FindingClassifier
from ofsted_nlp.models.baselines import KeywordAreaClassifier, MajorityClassifier, TextBlobPolarity, VaderPolarity

BASELINES = {
    "majority": (MajorityClassifier, MajorityClassifier),
    "keywords_textblob": (KeywordAreaClassifier, TextBlobPolarity),
    "keywords_vader": (KeywordAreaClassifier, VaderPolarity),
}


def main():
    for name, (area_cls, pol_cls) in BASELINES.items():
        model = FindingClassifier(area_cls(), pol_cls())
        run_experiment(f"baseline_{name}", model, {"area_model": area_cls.__name__, "polarity_model": pol_cls.__name__},
                       description="baseline", log_model=False)


if __name__ == "__main__":
    main()
