"""The joint classifiers behave as scikit-learn multi-output estimators: clone, cross_val_score,
GridSearchCV, a score, (n, 2) predictions and NotFittedError before fit."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score, cross_validate

from ofsted_nlp.errors import InputError
from ofsted_nlp.models import FindingClassifier, TfidfClassifier
from ofsted_nlp.models.finding import area_macro_f1, polarity_macro_f1

from .mlflow_test_support import SENTENCES, TEST_SENTENCES

TEXTS = [t for t, _, _ in SENTENCES]
Y = np.array([[a, p] for _, a, p in SENTENCES], dtype=object)
HELD_OUT = [t for t, _, _ in TEST_SENTENCES]
Y_HELD_OUT = np.array([[a, p] for _, a, p in TEST_SENTENCES], dtype=object)
CV = KFold(n_splits=4, shuffle=True, random_state=0)  # every fold keeps each area and polarity


def finding_model(C: float = 10.0) -> FindingClassifier:
    return FindingClassifier(TfidfClassifier(min_df=1, C=C), TfidfClassifier(min_df=1, C=C))


def test_fit_takes_a_two_column_target_or_the_two_columns_apart():
    two_column = finding_model().fit(TEXTS, Y)
    apart = finding_model().fit(TEXTS, list(Y[:, 0]), list(Y[:, 1]))
    np.testing.assert_array_equal(two_column.predict(HELD_OUT), apart.predict(HELD_OUT))


def test_predict_is_an_n_by_2_array_and_predict_proba_one_array_per_output():
    model = finding_model().fit(TEXTS, Y)
    predicted = model.predict(HELD_OUT)
    assert predicted.shape == (len(HELD_OUT), 2)
    areas, polarities = model.predict_findings(HELD_OUT)
    np.testing.assert_array_equal(predicted[:, 0], areas)
    np.testing.assert_array_equal(predicted[:, 1], polarities)
    area_proba, polarity_proba = model.predict_proba(HELD_OUT)
    assert area_proba.shape == (len(HELD_OUT), len(model.area_classes_))
    assert polarity_proba.shape == (len(HELD_OUT), len(model.polarity_classes_))
    np.testing.assert_array_equal(model.area_classes_[area_proba.argmax(axis=1)], areas)
    assert model.predict([]).shape == (0, 2)


def test_score_is_the_mean_of_the_two_macro_f1():
    model = finding_model().fit(TEXTS, Y)
    score = model.score(HELD_OUT, Y_HELD_OUT)
    assert 0.0 <= score <= 1.0
    assert score == pytest.approx((area_macro_f1(model, HELD_OUT, Y_HELD_OUT)
                                   + polarity_macro_f1(model, HELD_OUT, Y_HELD_OUT)) / 2)
    assert model.score(TEXTS, Y) == pytest.approx(1.0)


def test_unfitted_predict_raises_not_fitted_error():
    for method in ("predict", "predict_proba", "predict_findings"):
        with pytest.raises(NotFittedError):
            getattr(finding_model(), method)(HELD_OUT)


def test_clone_gives_an_unfitted_copy_with_the_same_parameters():
    model = finding_model(C=3.0).fit(TEXTS, Y)
    copy = clone(model)
    assert copy.get_params()["area_model__C"] == 3.0
    assert copy.area_model is not model.area_model
    with pytest.raises(NotFittedError):
        copy.predict(HELD_OUT)
    assert is_classifier(model)


def test_cross_val_score_and_cross_validate_run():
    scores = cross_val_score(finding_model(), TEXTS, Y, cv=CV)
    assert scores.shape == (4,) and np.all((scores >= 0) & (scores <= 1))
    results = cross_validate(finding_model(), TEXTS, Y, cv=CV,
                             scoring={"area": area_macro_f1, "polarity": polarity_macro_f1})
    assert results["test_area"].shape == results["test_polarity"].shape == (4,)


def test_grid_search_over_nested_parameters():
    search = GridSearchCV(finding_model(), {"area_model__C": [0.1, 10.0], "polarity_model__C": [10.0]}, cv=CV)
    search.fit(TEXTS, Y)
    assert search.best_params_["area_model__C"] in (0.1, 10.0)
    assert search.best_estimator_.predict(HELD_OUT).shape == (len(HELD_OUT), 2)
    assert 0.0 <= search.score(HELD_OUT, Y_HELD_OUT) <= 1.0


def test_target_of_the_wrong_shape_is_refused():
    with pytest.raises(InputError, match=r"shape \(n, 2\)"):
        finding_model().fit(TEXTS, list(Y[:, 0]))
    with pytest.raises(InputError, match=r"shape \(n, 2\)"):
        finding_model().fit(TEXTS, np.column_stack([Y, Y]))


def test_finetuned_classifier_follows_the_same_conventions():
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from ofsted_nlp.models import FineTunedClassifier

    model = FineTunedClassifier(epochs=1, batch_size=16, max_length=32)
    with pytest.raises(NotFittedError):
        model.predict(HELD_OUT)
    assert clone(model).get_params() == model.get_params()
    assert is_classifier(model)
