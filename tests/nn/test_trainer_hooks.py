"""Keras 3's test and predict hooks: evaluate(callbacks=), predict(callbacks=)
and the validation pass of fit."""
import numpy as np
import pytest

from skdeep.nn import Sequential
from skdeep.nn.callbacks import Callback
from skdeep.nn.layers import Dense


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def _record(name):
        def hook(self, *args):
            logs = args[-1] if args else None
            self.calls.append((name,) + tuple(a for a in args[:-1]) +
                              ((sorted(logs) if isinstance(logs, dict) else logs),))
        return hook

    for _name in ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
                  "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
                  "on_predict_begin", "on_predict_end", "on_predict_batch_begin",
                  "on_predict_batch_end"):
        locals()[_name] = _record(_name)
    del _name


def _model():
    model = Sequential([Dense(3, input_shape=(2,)), Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((10, 2)), rng.standard_normal(10)


def test_evaluate_calls_the_test_hooks(data):
    rec = Recorder()
    result = _model().evaluate(*data, batch_size=4, callbacks=[rec], verbose=0,
                               return_dict=True)
    names = [c[0] for c in rec.calls]
    assert names == ["on_test_begin"] + ["on_test_batch_begin", "on_test_batch_end"] * 3 + \
        ["on_test_end"]
    assert rec.calls[2] == ("on_test_batch_end", 0, ["loss", "mae"])
    assert rec.calls[-1] == ("on_test_end", sorted(result))
    assert rec.params["steps"] == 3 and rec.model is not None


def test_predict_calls_the_predict_hooks_with_batch_outputs(data):
    outputs = []

    class Keep(Callback):
        def on_predict_batch_end(self, batch, logs=None):
            outputs.append(logs["outputs"].copy())

    rec = Recorder()
    model = _model()
    pred = model.predict(data[0], batch_size=4, callbacks=[rec, Keep()], verbose=0)
    assert [c[0] for c in rec.calls] == ["on_predict_begin"] + \
        ["on_predict_batch_begin", "on_predict_batch_end"] * 3 + ["on_predict_end"]
    np.testing.assert_array_equal(np.concatenate(outputs), pred)
    np.testing.assert_array_equal(pred, model.predict(data[0], verbose=0))


def test_fit_validation_calls_the_test_hooks_each_epoch(data):
    rec = Recorder()
    _model().fit(*data, epochs=2, batch_size=5, validation_data=data, callbacks=[rec],
                 verbose=0)
    names = [c[0] for c in rec.calls]
    epoch = ["on_epoch_begin", "on_test_begin", "on_test_batch_begin", "on_test_batch_end",
             "on_test_batch_begin", "on_test_batch_end", "on_test_end", "on_epoch_end"]
    assert names == ["on_train_begin"] + epoch * 2 + ["on_train_end"]
    # on_test_end gets the validation logs without the val_ prefix, on_epoch_end with it
    assert rec.calls[7] == ("on_test_end", ["loss", "mae"])
    assert rec.calls[8] == ("on_epoch_end", 0, ["loss", "mae", "val_loss", "val_mae"])


def test_validation_freq_skips_the_test_hooks_between_validations(data):
    rec = Recorder()
    _model().fit(*data, epochs=3, validation_data=data, validation_freq=2, callbacks=[rec],
                 verbose=0)
    assert [c[0] for c in rec.calls].count("on_test_begin") == 1
