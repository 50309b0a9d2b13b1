"""Metrics against real Keras 3 (fixture made by fixtures/make_keras_metrics.py, two
batches, with and without sample weights), against scikit-learn on random data and
against the examples of the Keras docstrings."""
import json
import os

import numpy as np
import pytest
from sklearn import metrics as skm

from skdeep.nn import metrics

with open(os.path.join(os.path.dirname(__file__), "fixtures", "keras_metrics.json")) as fh:
    FIXTURE = json.load(fh)
A = {k: np.array(v) for k, v in FIXTURE["arrays"].items()}
DATA = {"binary": (A["binary_true"], A["binary_pred"]),
        "onehot": (np.eye(4)[A["labels"]], A["probs"]), "sparse": (A["labels"], A["probs"]),
        "multilabel": (A["multilabel"], A["probs"]), "regression": (A["reg_true"], A["reg_pred"]),
        "logits": (A["binary_true"], A["logits"]), "iou": (A["labels"], A["probs"].argmax(1))}


def _case_id(case):
    return f"{case['class_name']}-{case['data']}-{json.dumps(case['kwargs'], sort_keys=True)}"


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=_case_id)
@pytest.mark.parametrize("weighted", [False, True])
def test_matches_keras(case, weighted):
    y_true, y_pred = DATA[case["data"]]
    m = getattr(metrics, case["class_name"])(**case["kwargs"])
    half = len(y_true) // 2
    for sl in (slice(0, half), slice(half, None)):
        m.update_state(y_true[sl], y_pred[sl],
                       sample_weight=A["weights"][sl] if weighted else None)
    expected = case["weighted" if weighted else "plain"]
    np.testing.assert_allclose(np.asarray(m.result(), dtype=np.float64), expected, rtol=2e-5,
                               atol=2e-6)
    # the config rebuilds the same metric, and reset_state empties it
    clone = type(m).from_config(m.get_config())
    assert clone.get_config() == m.get_config()
    m.reset_state()
    assert all(np.all(v.numpy() == 0) for v in m.variables)


RNG = np.random.default_rng(3)
Y_BIN = RNG.integers(0, 2, 400)
P_BIN = RNG.uniform(size=400)
W = RNG.uniform(0.1, 3.0, 400)
LABELS = RNG.integers(0, 5, 300)
PROBS = RNG.dirichlet(np.ones(5), 300)
ONEHOT = np.eye(5)[LABELS]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.8])
def test_precision_recall_against_sklearn(weighted, threshold):
    sw = W if weighted else None
    kw = {"sample_weight": sw}
    pred = P_BIN > threshold
    assert float(metrics.Precision(thresholds=threshold)(Y_BIN, P_BIN, sw)) == pytest.approx(
        skm.precision_score(Y_BIN, pred, **kw), rel=1e-5)
    assert float(metrics.Recall(thresholds=threshold)(Y_BIN, P_BIN, sw)) == pytest.approx(
        skm.recall_score(Y_BIN, pred, **kw), rel=1e-5)
    tn, fp, fn, tp = skm.confusion_matrix(Y_BIN, pred, sample_weight=sw).ravel()
    for cls, value in ((metrics.TruePositives, tp), (metrics.FalsePositives, fp),
                       (metrics.TrueNegatives, tn), (metrics.FalseNegatives, fn)):
        assert float(cls(thresholds=threshold)(Y_BIN, P_BIN, sw)) == pytest.approx(value,
                                                                                 rel=1e-5)


def test_precision_recall_per_class_and_top_k_against_sklearn():
    for c in range(5):
        assert float(metrics.Precision(class_id=c)(ONEHOT, PROBS)) == pytest.approx(
            skm.precision_score(LABELS == c, PROBS[:, c] > 0.5, zero_division=0.0), rel=1e-5)
        assert float(metrics.Recall(class_id=c, thresholds=0.2)(ONEHOT, PROBS)) == \
            pytest.approx(skm.recall_score(LABELS == c, PROBS[:, c] > 0.2), rel=1e-5)
    # top_k=1: precision of the arg-max prediction = accuracy
    assert float(metrics.Precision(top_k=1)(ONEHOT, PROBS)) == pytest.approx(
        skm.accuracy_score(LABELS, PROBS.argmax(1)), rel=1e-5)
    assert float(metrics.Recall(top_k=2)(ONEHOT, PROBS)) == pytest.approx(
        skm.top_k_accuracy_score(LABELS, PROBS, k=2), rel=1e-5)


@pytest.mark.parametrize("weighted", [False, True])
def test_auc_against_sklearn(weighted):
    sw = W if weighted else None
    # thresholds at every distinct prediction make the trapezoidal ROC AUC exact
    exact = metrics.AUC(thresholds=np.unique(P_BIN).tolist())
    assert float(exact(Y_BIN, P_BIN, sw)) == pytest.approx(
        skm.roc_auc_score(Y_BIN, P_BIN, sample_weight=sw), rel=1e-5)
    assert float(metrics.AUC(num_thresholds=1000)(Y_BIN, P_BIN, sw)) == pytest.approx(
        skm.roc_auc_score(Y_BIN, P_BIN, sample_weight=sw), abs=2e-3)
    # average precision is a step sum; Keras' PR AUC interpolates between thresholds
    assert float(metrics.AUC(curve="PR", num_thresholds=1000)(Y_BIN, P_BIN, sw)) == \
        pytest.approx(skm.average_precision_score(Y_BIN, P_BIN, sample_weight=sw), abs=0.01)


def test_multi_label_auc_against_sklearn():
    m = metrics.AUC(multi_label=True, thresholds=np.unique(PROBS).tolist())
    assert float(m(ONEHOT, PROBS)) == pytest.approx(
        skm.roc_auc_score(ONEHOT, PROBS, average="macro"), rel=1e-5)


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("beta", [1.0, 0.5, 2.0])
def test_fbeta_against_sklearn(average, beta):
    m = metrics.FBetaScore(average=average, beta=beta)
    expected = skm.fbeta_score(LABELS, PROBS.argmax(1), beta=beta, average=average)
    np.testing.assert_allclose(m(ONEHOT, PROBS), expected, rtol=1e-5)
    if beta == 1.0:
        np.testing.assert_allclose(metrics.F1Score(average=average)(ONEHOT, PROBS),
                                   skm.f1_score(LABELS, PROBS.argmax(1), average=average),
                                   rtol=1e-5)


def test_f1_with_threshold_on_multilabel_against_sklearn():
    y = RNG.integers(0, 2, (200, 4))
    p = RNG.uniform(size=(200, 4))
    for average in ("micro", "macro", "weighted"):
        assert float(metrics.F1Score(average=average, threshold=0.4)(y, p)) == pytest.approx(
            skm.f1_score(y, p > 0.4, average=average), rel=1e-5)


@pytest.mark.parametrize("aggregation, multioutput", [
    ("uniform_average", "uniform_average"), ("variance_weighted_average", "variance_weighted"),
    (None, "raw_values")])
def test_r2_against_sklearn(aggregation, multioutput):
    y = RNG.standard_normal((80, 3))
    p = y + RNG.standard_normal((80, 3))
    w = RNG.uniform(0.5, 2.0, 80)
    m = metrics.R2Score(class_aggregation=aggregation)
    m.update_state(y[:30], p[:30], w[:30])
    m.update_state(y[30:], p[30:], w[30:])
    np.testing.assert_allclose(m.result(), skm.r2_score(y, p, sample_weight=w,
                                                        multioutput=multioutput), rtol=1e-5)


def test_mean_iou_and_top_k_against_sklearn():
    pred = PROBS.argmax(1)
    assert float(metrics.MeanIoU(num_classes=5)(LABELS, pred)) == pytest.approx(
        skm.jaccard_score(LABELS, pred, average="macro"), rel=1e-5)
    for k in (1, 2, 3):
        expected = skm.top_k_accuracy_score(LABELS, PROBS, k=k)
        assert float(metrics.TopKCategoricalAccuracy(k=k)(ONEHOT, PROBS)) == pytest.approx(
            expected)
        assert float(metrics.SparseTopKCategoricalAccuracy(k=k)(LABELS, PROBS)) == \
            pytest.approx(expected)


def test_regression_metrics_against_sklearn():
    y = RNG.uniform(0.5, 3.0, (50, 2))
    p = y + RNG.normal(0, 0.3, (50, 2))
    assert float(metrics.RootMeanSquaredError()(y, p)) == pytest.approx(
        np.sqrt(skm.mean_squared_error(y, p)), rel=1e-5)
    assert float(metrics.MeanAbsolutePercentageError()(y, p)) == pytest.approx(
        100 * skm.mean_absolute_percentage_error(y, p), rel=1e-5)


def test_keras_docstring_examples():
    m = metrics.Precision()
    assert float(m([0, 1, 1, 1], [1, 0, 1, 1])) == pytest.approx(2 / 3)
    m.reset_state()
    assert float(m([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])) == 1.0
    assert float(metrics.Precision(top_k=2)([0, 0, 1, 1], [1, 1, 1, 1])) == 0.0
    assert float(metrics.Precision(top_k=4)([0, 0, 1, 1], [1, 1, 1, 1])) == 0.5
    assert float(metrics.Recall()([0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0])) == 1.0
    assert float(metrics.TruePositives()([0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0])) == 1.0
    assert float(metrics.FalsePositives()([0, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 0])) == 1.0
    assert float(metrics.FalseNegatives()([0, 1, 1, 1], [0, 1, 0, 0], [0, 0, 1, 0])) == 1.0
    assert float(metrics.TrueNegatives()([0, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0])) == 1.0
    m = metrics.AUC(num_thresholds=3)
    assert float(m([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])) == pytest.approx(0.75)
    m.reset_state()
    assert float(m([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])) == 1.0
    pr = metrics.PrecisionAtRecall(0.5)
    assert float(pr([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])) == pytest.approx(0.5)
    pr.reset_state()
    assert float(pr([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8], [2, 2, 2, 1, 1])) == \
        pytest.approx(1 / 3)
    rp = metrics.RecallAtPrecision(0.8)
    assert float(rp([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])) == pytest.approx(0.5)
    rp.reset_state()
    assert float(rp([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], [1, 0, 0, 1])) == pytest.approx(1.0)
    ss = metrics.SensitivityAtSpecificity(0.5)
    assert float(ss([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])) == pytest.approx(0.5)
    ss.reset_state()
    assert float(ss([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8], [1, 1, 2, 2, 1])) == \
        pytest.approx(1 / 3)
    sp = metrics.SpecificityAtSensitivity(0.5)
    assert float(sp([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])) == pytest.approx(2 / 3)
    sp.reset_state()
    assert float(sp([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8], [1, 1, 2, 2, 2])) == \
        pytest.approx(0.5)
    iou = metrics.MeanIoU(num_classes=2)
    assert float(iou([0, 0, 1, 1], [0, 1, 0, 1], [0.3, 0.3, 0.3, 0.1])) == \
        pytest.approx(0.23809525, rel=1e-6)
    y_true = np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]], np.int32)
    y_pred = np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]], np.float32)
    np.testing.assert_allclose(metrics.F1Score(threshold=0.5)(y_true, y_pred),
                               [0.5, 0.8, 0.6666667], rtol=1e-6)
    np.testing.assert_allclose(metrics.FBetaScore(beta=2.0, threshold=0.5)(y_true, y_pred),
                               [0.3846154, 0.90909094, 0.8333334], rtol=1e-6)
    assert float(metrics.R2Score()([[1], [4], [3]], [[2], [4], [4]])) == \
        pytest.approx(0.57142854, rel=1e-6)


@pytest.mark.parametrize("name, cls", [
    ("precision", metrics.Precision), ("recall", metrics.Recall), ("auc", metrics.AUC),
    ("AUC", metrics.AUC), ("true_positives", metrics.TruePositives),
    ("false_negatives", metrics.FalseNegatives), ("f1_score", metrics.F1Score),
    ("f_beta_score", metrics.FBetaScore), ("mean_io_u", metrics.MeanIoU), ("r2_score", metrics.R2Score),
    ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy),
    ("sparse_top_k_categorical_accuracy", metrics.SparseTopKCategoricalAccuracy),
    ("root_mean_squared_error", metrics.RootMeanSquaredError),
    ("log_cosh_error", metrics.LogCoshError), ("kl_divergence", metrics.KLDivergence),
    ("poisson", metrics.Poisson), ("cosine_similarity", metrics.CosineSimilarity),
    ("mean", metrics.Mean), ("sum", metrics.Sum), ("hinge", metrics.Hinge),
    ("precision_at_recall", metrics.PrecisionAtRecall)])
def test_string_names_resolve_as_keras(name, cls):
    if cls in (metrics.PrecisionAtRecall, metrics.MeanIoU):  # need a required argument
        with pytest.raises(TypeError):
            metrics.get(name)
        return
    assert type(metrics.get(name)) is cls
    m = metrics.resolve(name)
    assert type(m) is cls and m.name == name


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.Precision(thresholds=[0.2, 1.5])
    with pytest.raises(ValueError, match="average"):
        metrics.F1Score(average="samples")
    with pytest.raises(ValueError, match="class_id"):
        metrics.Precision(class_id=7)(ONEHOT, PROBS)
    with pytest.raises(ValueError, match="2D"):
        metrics.F1Score()(LABELS, PROBS[:, 0])
    with pytest.raises(ValueError, match="recall"):
        metrics.PrecisionAtRecall(1.5)
