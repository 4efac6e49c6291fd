"""train.evaluate: metrics checked against values worked out by hand, and the report artifacts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import Pipeline

from features.union import build_features, parse_specs
from train import evaluate

LABELS = ["a", "b", "c"]
Y_TRUE = ["a", "a", "b", "b", "c", "c"]
Y_PRED = ["a", "b", "b", "b", "c", "a"]


# --- single-label metrics ---------------------------------------------------------------------------------------
# Per class: a: tp 1, fp 1, fn 1 -> P 1/2, R 1/2, F1 1/2;  b: tp 2, fp 1, fn 0 -> P 2/3, R 1, F1 4/5;
#            c: tp 1, fp 0, fn 1 -> P 1, R 1/2, F1 2/3.  Every class has support 2.


def test_accuracy_is_the_share_of_correct_predictions():
    assert evaluate.classification_metrics(Y_TRUE, Y_PRED, LABELS)["accuracy"] == pytest.approx(4 / 6)


def test_macro_f1_is_the_unweighted_mean_of_class_f1():
    metrics = evaluate.classification_metrics(Y_TRUE, Y_PRED, LABELS)
    assert metrics["macro_f1"] == pytest.approx((1 / 2 + 4 / 5 + 2 / 3) / 3)


def test_weighted_f1_weights_class_f1_by_support():
    metrics = evaluate.classification_metrics(["a", "a", "a", "b"], ["a", "a", "b", "b"], ["a", "b"])
    # a: P 1, R 2/3 -> F1 4/5 (support 3);  b: P 1/2, R 1 -> F1 2/3 (support 1)
    assert metrics["weighted_f1"] == pytest.approx((3 * 4 / 5 + 1 * 2 / 3) / 4)


def test_per_class_precision_recall_and_f1_are_reported():
    metrics = evaluate.classification_metrics(Y_TRUE, Y_PRED, LABELS)
    assert metrics["precision_b"] == pytest.approx(2 / 3)
    assert metrics["recall_b"] == pytest.approx(1.0)
    assert metrics["f1_b"] == pytest.approx(4 / 5)
    assert metrics["precision_c"] == pytest.approx(1.0)
    assert metrics["recall_c"] == pytest.approx(1 / 2)
    assert metrics["f1_a"] == pytest.approx(1 / 2)


def test_a_class_never_predicted_scores_zero_without_warnings():
    metrics = evaluate.classification_metrics(["a", "b"], ["a", "a"], ["a", "b"])
    assert metrics["precision_b"] == 0.0
    assert metrics["f1_b"] == 0.0


def test_metrics_are_plain_floats():
    assert all(type(v) is float for v in evaluate.classification_metrics(Y_TRUE, Y_PRED, LABELS).values())


# --- majority baseline ------------------------------------------------------------------------------------------


def test_majority_baseline_always_predicts_the_most_frequent_training_class():
    baseline = evaluate.majority_baseline(["a", "a", "a", "b", "c"], ["a", "b", "c", "a"], LABELS)
    # always 'a': 2 of 4 right;  F1 a = 2/3 (P 1/2, R 1), b and c 0
    assert baseline == {"baseline_accuracy": pytest.approx(0.5), "baseline_macro_f1": pytest.approx(2 / 9)}


# --- multi-label metrics ----------------------------------------------------------------------------------------


ML_TRUE = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0]])
ML_PRED = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 0]])


def test_multilabel_micro_f1_pools_every_label_decision():
    # tp 3, fp 0, fn 2 -> P 1, R 3/5
    assert evaluate.multilabel_metrics(ML_TRUE, ML_PRED, LABELS)["micro_f1"] == pytest.approx(0.75)


def test_multilabel_macro_f1_averages_per_label_f1():
    metrics = evaluate.multilabel_metrics(ML_TRUE, ML_PRED, LABELS)
    assert (metrics["f1_a"], metrics["f1_b"], metrics["f1_c"]) == pytest.approx((1.0, 2 / 3, 0.0))
    assert metrics["macro_f1"] == pytest.approx(5 / 9)


def test_multilabel_samples_f1_averages_per_row_f1():
    assert evaluate.multilabel_metrics(ML_TRUE, ML_PRED, LABELS)["samples_f1"] == pytest.approx(7 / 9)


def test_multilabel_subset_accuracy_counts_exact_rows_only():
    assert evaluate.multilabel_metrics(ML_TRUE, ML_PRED, LABELS)["subset_accuracy"] == pytest.approx(1 / 3)


def test_multilabel_hamming_loss_is_the_share_of_wrong_cells():
    assert evaluate.multilabel_metrics(ML_TRUE, ML_PRED, LABELS)["hamming_loss"] == pytest.approx(2 / 9)


# --- reports ----------------------------------------------------------------------------------------------------


def test_report_gives_text_and_a_json_ready_dict():
    text, data = evaluate.report(Y_TRUE, Y_PRED, LABELS)
    assert "macro avg" in text
    assert data["b"]["f1-score"] == pytest.approx(4 / 5)
    assert data["accuracy"] == pytest.approx(4 / 6)


def test_report_names_labels_for_indicator_matrices():
    _, data = evaluate.report(ML_TRUE, ML_PRED, LABELS)
    assert data["a"]["f1-score"] == pytest.approx(1.0)
    assert data["c"]["support"] == 1


def test_confusion_svg_writes_every_count_and_label(tmp_path):
    import xml.etree.ElementTree as ET

    evaluate.write_confusion(Y_TRUE, Y_PRED, LABELS + ["<b&c>"], tmp_path, "demo")
    root = ET.parse(tmp_path / "confusion_matrix.svg").getroot()
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert texts.count("<b&c>") == 2 and "demo" in texts
    rects = [r for r in root.iter("{http://www.w3.org/2000/svg}rect")]
    assert len(rects) == 1 + (len(LABELS) + 1) ** 2


def test_the_confusion_counts_are_saved_for_tools_that_redraw_them(tmp_path):
    import json

    evaluate.write_confusion(["a", "a", "b"], ["a", "b", "b"], ["a", "b"], tmp_path)
    saved = json.loads((tmp_path / "confusion_matrix.json").read_text(encoding="utf-8"))
    assert saved == {"labels": ["a", "b"], "counts": [[1, 1], [0, 1]]}


# --- worst examples ---------------------------------------------------------------------------------------------


@pytest.fixture
def misclassified():
    texts = pd.DataFrame({"text": ["t0", "t1", "t2", "t3", "t4"]})
    y_true = ["a", "b", "c", "a", "b"]
    y_pred = ["a", "a", "a", "b", "c"]
    scores = np.array([
        [0.9, 0.05, 0.05],
        [0.6, 0.3, 0.1],
        [0.8, 0.1, 0.1],
        [0.2, 0.7, 0.1],
        [0.1, 0.4, 0.5],
    ])
    return texts, y_true, y_pred, scores


def test_worst_examples_are_the_wrong_rows_most_confident_first(misclassified):
    texts, y_true, y_pred, scores = misclassified
    worst = evaluate.worst_examples(texts, y_true, y_pred, scores, LABELS, n=10, max_chars=50)
    assert worst["row"].tolist() == [2, 3, 1, 4]
    assert worst["score"].tolist() == [0.8, 0.7, 0.6, 0.5]


def test_worst_examples_carry_text_truth_and_prediction(misclassified):
    texts, y_true, y_pred, scores = misclassified
    first = evaluate.worst_examples(texts, y_true, y_pred, scores, LABELS, n=10, max_chars=50).iloc[0]
    assert (first["text"], first["true"], first["predicted"]) == ("t2", "c", "a")


def test_worst_examples_keep_only_n_rows(misclassified):
    texts, y_true, y_pred, scores = misclassified
    assert len(evaluate.worst_examples(texts, y_true, y_pred, scores, LABELS, n=2, max_chars=50)) == 2


def test_worst_examples_truncate_long_texts_with_an_ellipsis():
    texts = pd.DataFrame({"text": ["x" * 100]})
    worst = evaluate.worst_examples(texts, ["a"], ["b"], None, ["a", "b"], n=5, max_chars=20)
    assert worst["text"][0] == "x" * 19 + "…"


def test_worst_examples_without_scores_keep_test_order(misclassified):
    texts, y_true, y_pred, _ = misclassified
    worst = evaluate.worst_examples(texts, y_true, y_pred, None, LABELS, n=10, max_chars=50)
    assert worst["row"].tolist() == [1, 2, 3, 4]
    assert "score" not in worst.columns


def test_worst_examples_of_a_perfect_model_are_empty():
    worst = evaluate.worst_examples(pd.DataFrame({"text": ["a"]}), ["a"], ["a"], np.array([[1.0]]), ["a"], 5, 50)
    assert worst.empty


# --- top features -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def texts_and_labels():
    texts = pd.DataFrame({"text": [
        "ransomware encrypted files", "ransomware payload worm", "trojan ransomware loader",
        "phishing email password", "fake login phishing", "phishing credential lure",
        "parliament passes law", "minister signs law", "law on sanctions",
    ]})
    return texts, np.array(["malware"] * 3 + ["phishing"] * 3 + ["policy"] * 3)


def fitted_pipeline(texts, labels, model) -> Pipeline:
    features = build_features(parse_specs([{"name": "tfidf_word", "ngram_range": [1, 1]}]), ["text"], 0)
    return Pipeline([("features", features), ("model", model)]).fit(texts, labels)


def test_top_features_of_logreg_name_each_class_strongest_words(texts_and_labels):
    pipeline = fitted_pipeline(*texts_and_labels, LogisticRegression(C=10))
    top = evaluate.top_features(pipeline, ["malware", "phishing", "policy"], 3)
    assert set(top) == {"malware", "phishing", "policy"}
    assert top["malware"][0][0] == "ransomware"
    assert top["phishing"][0][0] == "phishing"
    assert top["policy"][0][0] == "law"


def test_top_features_are_sorted_by_weight_and_limited_to_n(texts_and_labels):
    pipeline = fitted_pipeline(*texts_and_labels, LogisticRegression(C=10))
    weights = [w for _, w in evaluate.top_features(pipeline, ["malware", "phishing", "policy"], 4)["policy"]]
    assert len(weights) == 4
    assert weights == sorted(weights, reverse=True)


def test_top_features_names_drop_the_block_prefix(texts_and_labels):
    pipeline = fitted_pipeline(*texts_and_labels, LogisticRegression(C=10))
    names = [name for name, _ in evaluate.top_features(pipeline, ["malware", "phishing", "policy"], 3)["malware"]]
    assert not any("__" in name for name in names)


def test_top_features_of_a_binary_model_list_the_positive_class(texts_and_labels):
    texts, labels = texts_and_labels
    pipeline = fitted_pipeline(texts[:6], labels[:6], LogisticRegression(C=10))
    assert list(evaluate.top_features(pipeline, ["malware", "phishing"], 2)) == ["phishing"]


def test_top_features_are_empty_for_a_model_without_coefficients(texts_and_labels):
    pipeline = fitted_pipeline(*texts_and_labels, ComplementNB())
    assert evaluate.top_features(pipeline, ["malware", "phishing", "policy"], 3) == {}


def test_top_features_are_empty_when_none_are_asked_for(texts_and_labels):
    pipeline = fitted_pipeline(*texts_and_labels, LogisticRegression())
    assert evaluate.top_features(pipeline, ["malware", "phishing", "policy"], 0) == {}


def test_top_features_name_the_same_terms_as_get_feature_names_out(texts_and_labels):
    texts, labels = texts_and_labels
    specs = parse_specs([{"name": "tfidf_word", "ngram_range": [1, 1]}, {"name": "tfidf_char", "ngram_range": [3, 4]}])
    pipeline = Pipeline([("features", build_features(specs, ["text"], 0)),
                         ("model", LogisticRegression(C=10))]).fit(texts, labels)
    names = pipeline[:-1].get_feature_names_out()
    coef = pipeline[-1].coef_
    expected = [str(names[i]).split("__", 1)[-1] for i in np.argsort(-coef[0], kind="stable")[:5]]
    assert [name for name, _ in evaluate.top_features(pipeline, ["malware", "phishing", "policy"], 5)["malware"]] \
        == expected


def test_top_features_of_a_calibrated_single_model_come_from_its_svm(texts_and_labels):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    pipeline = fitted_pipeline(*texts_and_labels, CalibratedClassifierCV(LinearSVC(), cv=3, ensemble=False))
    top = evaluate.top_features(pipeline, ["malware", "phishing", "policy"], 2)
    assert top["malware"][0][0] == "ransomware"
