"""A failed fit leaves the estimator exactly as it was; an interrupted one
keeps what was trained (as Keras does)."""
import errno
import os

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from skdeep import Autoencoder, NeuralClassifier, NeuralRegressor
from skdeep.nn.callbacks import Callback, ModelCheckpoint

RNG = np.random.default_rng(0)
X = RNG.standard_normal((24, 4))
Y_CLS = RNG.integers(0, 3, 24)
Y_REG = RNG.standard_normal(24)


class FailAt(Callback):
    """Raises ``exc`` when epoch ``epoch`` begins (counting from 0 in this fit)."""

    def __init__(self, epoch, exc):
        super().__init__()
        self.epoch, self.exc, self.seen = epoch, exc, 0

    def on_epoch_begin(self, epoch, logs=None):
        if self.seen == self.epoch:
            raise self.exc
        self.seen += 1


def make(kind, **kw):
    common = {"epochs": 3, "batch_size": 8, "random_state": 0, **kw}
    if kind == "classifier":
        return NeuralClassifier(layers=[], **common), Y_CLS
    if kind == "regressor":
        return NeuralRegressor(layers=[], **common), Y_REG
    return Autoencoder(encoder_layers=[], **common), None


def outputs(est):
    return est.transform(X) if isinstance(est, Autoencoder) else est.predict(X)


def state(est):
    """Everything a refit could change: attributes, weights, optimizer slots."""
    attrs = {k: v for k, v in vars(est).items() if k.endswith("_") or k.startswith("_n")}
    return (sorted(vars(est)), {k: repr(v) for k, v in attrs.items()
                                if not k.startswith(("model_", "encoder_", "decoder_"))},
            [w.copy() for w in est.model_.get_weights()],
            {k: np.array(v).copy() for k, v in est.model_.optimizer.get_slots().items()},
            est.model_.optimizer.learning_rate)


def assert_same_state(before, after):
    assert before[0] == after[0]
    assert before[1] == after[1]
    for a, b in zip(before[2], after[2]):
        np.testing.assert_array_equal(a, b)
    assert before[3].keys() == after[3].keys()
    for k in before[3]:
        np.testing.assert_array_equal(before[3][k], after[3][k])
    assert before[4] == after[4]


KINDS = ["classifier", "regressor", "autoencoder"]


def bad_inputs():
    big = X * 1e39  # finite in float64, beyond float32
    frame = pd.DataFrame({"a": pd.Categorical(["u", "v"] * 12), "b": np.arange(24.0)})
    return [("callback-error", X, {"callbacks": [FailAt(1, RuntimeError("boom"))]}, RuntimeError),
            ("beyond-float32", big, {}, ValueError),
            ("categorical-strings", frame, {}, ValueError)]


@pytest.mark.parametrize("warm_start", [False, True], ids=["refit", "warm-start"])
@pytest.mark.parametrize("kind", KINDS)
def test_failed_refit_keeps_the_previous_fitted_state(kind, warm_start):
    est, y = make(kind, warm_start=warm_start)
    est.fit(X, y)
    model, reference = est.model_, outputs(est)
    for name, bad_x, params, exc in bad_inputs():
        before = state(est)
        est.set_params(callbacks=params.get("callbacks"))
        with pytest.raises(exc):
            est.fit(bad_x, y)
        est.set_params(callbacks=None)
        assert est.model_ is model, name
        assert_same_state(before, state(est))
        np.testing.assert_array_equal(outputs(est), reference, err_msg=name)


def test_failed_partial_fit_rolls_back_the_weights():
    est, y = make("classifier")
    est.partial_fit(X, y, classes=[0, 1, 2])
    before, reference = state(est), est.predict_proba(X)
    est.set_params(callbacks=[FailAt(0, OSError("disk"))])
    with pytest.raises(OSError):
        est.partial_fit(X, y)
    assert_same_state(before, state(est))
    np.testing.assert_array_equal(est.predict_proba(X), reference)


def test_three_d_refit_of_a_dense_classifier_keeps_the_old_one():
    est, y = make("classifier")
    est.fit(X, y)
    reference = est.predict(X[:3])
    with pytest.raises(ValueError):
        est.fit(RNG.standard_normal((24, 4, 5)), y)
    assert est.n_features_in_ == 4
    np.testing.assert_array_equal(est.predict(X[:3]), reference)


def test_dataframe_refit_failure_keeps_feature_names():
    frame = pd.DataFrame(X, columns=list("pqrs"))
    est, y = make("regressor")
    est.fit(frame, y)
    bad = pd.DataFrame({"a": pd.Categorical(["u", "v"] * 12), "b": np.arange(24.0)})
    with pytest.raises(ValueError):
        est.fit(bad, y)
    assert list(est.feature_names_in_) == list("pqrs") and est.n_features_in_ == 4
    est.predict(frame)


@pytest.mark.parametrize("kind", KINDS)
def test_failed_first_fit_stays_unfitted(kind):
    est, y = make(kind, callbacks=[FailAt(1, RuntimeError("boom"))])
    with pytest.raises(RuntimeError, match="boom"):
        est.fit(X, y)
    assert not [k for k in vars(est) if k.endswith("_") and not k.startswith("__")]
    with pytest.raises(NotFittedError):
        outputs(est)
    est, y = make(kind)
    with pytest.raises(ValueError):
        est.fit(X * 1e39, y)
    assert not hasattr(est, "n_features_in_")


def test_full_disk_in_model_checkpoint_keeps_the_model(tmp_path, monkeypatch):
    est, y = make("classifier")
    est.fit(X, y)
    before, reference = state(est), est.predict_proba(X)

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    est.set_params(callbacks=[ModelCheckpoint(str(tmp_path / "ck.keras"))])
    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(OSError, match="No space"):
        est.fit(X, y)
    monkeypatch.undo()
    assert_same_state(before, state(est))
    np.testing.assert_array_equal(est.predict_proba(X), reference)


@pytest.mark.parametrize("kind", KINDS)
def test_keyboard_interrupt_keeps_the_epochs_trained_so_far(kind):
    est, y = make(kind, epochs=5, callbacks=[FailAt(2, KeyboardInterrupt())])
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, y)
    assert est.n_iter_ == 2 and len(est.history_["loss"]) == 2
    outputs(est)  # usable
    # a continued fit interrupted again appends to the kept history
    est.set_params(warm_start=True, callbacks=[FailAt(1, KeyboardInterrupt())])
    weights = [w.copy() for w in est.model_.get_weights()]
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, y)
    assert est.n_iter_ == 3 and len(est.history_["loss"]) == 3
    assert any((a != b).any() for a, b in zip(weights, est.model_.get_weights()))


def test_keyboard_interrupt_before_training_changes_nothing(monkeypatch):
    est, y = make("regressor")
    est.fit(X, y)
    before = state(est)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(type(est), "_check_sample_weight", interrupted)
    with pytest.raises(KeyboardInterrupt):
        est.fit(pd.DataFrame(X, columns=list("pqrs")), y)
    monkeypatch.undo()
    assert not hasattr(est, "feature_names_in_")
    assert_same_state(before, state(est))


def test_docstrings_describe_the_interrupt_behaviour():
    for cls in (NeuralClassifier, NeuralRegressor, Autoencoder):
        assert "KeyboardInterrupt" in cls.__doc__ and "transactional" in cls.__doc__


_SHARED = {}


def same_model_every_time(meta):
    """A model function returning one global network (trained in place)."""
    from skdeep.nn import Sequential
    from skdeep.nn.layers import Dense

    if "model" not in _SHARED:
        _SHARED["model"] = Sequential([Dense(meta["n_classes_"], activation="softmax",
                                             input_shape=(meta["n_features_in_"],))])
        _SHARED["model"].compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return _SHARED["model"]


def test_failed_refit_of_a_model_function_returning_the_same_network():
    _SHARED.clear()
    est = NeuralClassifier(model=same_model_every_time, epochs=2, random_state=0).fit(X, Y_CLS)
    before, reference = state(est), est.predict_proba(X)
    est.set_params(callbacks=[FailAt(1, RuntimeError("boom"))])
    with pytest.raises(RuntimeError):
        est.fit(X, Y_CLS)
    assert_same_state(before, state(est))
    np.testing.assert_array_equal(est.predict_proba(X), reference)
