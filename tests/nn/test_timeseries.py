"""keras.utils.timeseries_dataset_from_array against batches written by
Keras 3.15.1 (fixtures/make_keras_timeseries.py), and fit() on its output."""
import json
import os

import numpy as np
import pytest

import skdeep.nn as keras
from skdeep.nn.utils import PyDataset, timeseries_dataset_from_array

with open(os.path.join(os.path.dirname(__file__), "fixtures", "keras_timeseries.json")) as f:
    FIXTURE = json.load(f)
DATA = np.arange(np.prod(FIXTURE["data_shape"])).reshape(FIXTURE["data_shape"])
TARGETS = np.arange(len(DATA)) * 10


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=lambda c: str(c["kwargs"]))
def test_batches_match_keras(case):
    kwargs = dict(case["kwargs"])
    targets = kwargs.pop("targets", TARGETS)
    ds = timeseries_dataset_from_array(DATA, targets, **kwargs)
    assert isinstance(ds, PyDataset) and len(ds) == len(case["batches"])
    for batch, expected in zip(ds, case["batches"]):
        if targets is None:
            assert isinstance(batch, np.ndarray) and batch.tolist() == expected["x"]
        else:
            x, y = batch
            assert x.dtype == DATA.dtype
            assert x.tolist() == expected["x"] and y.tolist() == expected["y"]


def test_documented_example_indices():
    # Keras' docstring: length 10, rate 2, stride 3 over 0..98
    ds = timeseries_dataset_from_array(np.arange(99), None, sequence_length=10,
                                       sampling_rate=2, sequence_stride=3, batch_size=None)
    assert ds[0].tolist() == list(range(0, 20, 2)) and ds[1].tolist() == list(range(3, 23, 2))
    assert ds[-1].tolist() == list(range(78, 98, 2)) and len(ds) == 27


def test_shuffle_keeps_window_target_pairs_and_is_seeded():
    data = np.arange(50, dtype="float32")
    plain = timeseries_dataset_from_array(data, data * 2, sequence_length=5, batch_size=8)
    a = timeseries_dataset_from_array(data, data * 2, sequence_length=5, batch_size=8,
                                      shuffle=True, seed=3)
    b = timeseries_dataset_from_array(data, data * 2, sequence_length=5, batch_size=8,
                                      shuffle=True, seed=3)
    xa = np.concatenate([x for x, _ in a])
    ya = np.concatenate([y for _, y in a])
    np.testing.assert_array_equal(ya, xa[:, 0] * 2)  # each window keeps its target
    np.testing.assert_array_equal(xa, np.concatenate([x for x, _ in b]))
    x_plain = np.concatenate([x for x, _ in plain])
    assert not np.array_equal(xa, x_plain)
    np.testing.assert_array_equal(np.sort(xa[:, 0]), x_plain[:, 0])
    a.on_epoch_end()  # a new order next epoch, the same windows
    x_next = np.concatenate([x for x, _ in a])
    assert not np.array_equal(x_next, xa)
    np.testing.assert_array_equal(np.sort(x_next[:, 0]), x_plain[:, 0])


def test_fit_evaluate_predict_take_it():
    rng = np.random.default_rng(0)
    series = rng.normal(size=(200, 3)).astype("float32")
    ds = timeseries_dataset_from_array(series[:-8], series[8:, 0], sequence_length=8,
                                       batch_size=32)
    model = keras.Sequential([keras.Input((8, 3)), keras.layers.LSTM(4),
                              keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert np.isfinite(model.evaluate(ds, verbose=0))
    assert model.predict(ds, verbose=0).shape == (185, 1)


def test_bad_arguments_are_refused():
    data = np.arange(20)
    with pytest.raises(ValueError, match="start_index"):
        timeseries_dataset_from_array(data, None, 3, start_index=20)
    with pytest.raises(ValueError, match="end_index"):
        timeseries_dataset_from_array(data, None, 3, start_index=5, end_index=5)
    with pytest.raises(ValueError, match="end_index"):
        timeseries_dataset_from_array(data, None, 3, end_index=20)
    for name in ("sequence_length", "sampling_rate", "sequence_stride", "batch_size"):
        kwargs = {"sequence_length": 3, name: 0}
        with pytest.raises(ValueError, match=name):
            timeseries_dataset_from_array(data, None, **kwargs)
    with pytest.raises(ValueError, match="No full window"):
        timeseries_dataset_from_array(data, None, sequence_length=21)
    with pytest.raises(IndexError):
        timeseries_dataset_from_array(data, None, 3, batch_size=10)[2]
    assert keras.preprocessing.timeseries_dataset_from_array is timeseries_dataset_from_array
