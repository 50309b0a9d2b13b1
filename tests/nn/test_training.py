"""fit / evaluate / predict behaviour (Keras conventions)."""
import numpy as np
import pytest

from skdeep.nn import Input, Model, Sequential
from skdeep.nn.callbacks import Callback
from skdeep.nn.layers import Dense
from skdeep.nn.utils import set_random_seed, to_categorical


def make_blobs(rng, n=120, classes=3, dim=4):
    centers = rng.standard_normal((classes, dim)) * 3
    y = rng.integers(0, classes, n)
    return (centers[y] + rng.standard_normal((n, dim))).astype("float32"), y


def classifier(dim=4, classes=3, **compile_kw):
    model = Sequential([Dense(16, activation="relu", input_shape=(dim,)),
                        Dense(classes, activation="softmax")])
    compile_kw.setdefault("optimizer", "adam")
    compile_kw.setdefault("loss", "sparse_categorical_crossentropy")
    model.compile(**compile_kw)
    return model


def test_fit_learns_and_history_has_keras_keys(rng):
    x, y = make_blobs(rng)
    set_random_seed(0)
    model = classifier(metrics=["accuracy"])
    hist = model.fit(x, y, epochs=30, batch_size=16, validation_split=0.25, verbose=0)
    assert set(hist.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(hist.history["loss"]) == 30 and hist.epoch == list(range(30))
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert hist.history["accuracy"][-1] > 0.8
    assert model.history is hist


def test_validation_split_takes_last_fraction(rng):
    x, y = make_blobs(rng, n=100)
    model = classifier()
    # the validation set must be exactly the last 20 rows: compare with explicit data
    set_random_seed(3)
    h1 = model.fit(x, y, epochs=1, validation_split=0.2, shuffle=False, verbose=0)
    model2 = classifier()
    model2.set_weights(model.get_weights())
    val = model2.evaluate(x[80:], y[80:], verbose=0)
    assert h1.history["val_loss"][0] == pytest.approx(val, rel=1e-6)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(x, y, validation_split=1.5, verbose=0)


def test_validation_data_and_evaluate_conventions(rng):
    x, y = make_blobs(rng)
    model = classifier(metrics=["accuracy"])
    hist = model.fit(x, y, epochs=2, validation_data=(x[:20], y[:20]), verbose=0)
    assert "val_accuracy" in hist.history
    res = model.evaluate(x, y, verbose=0)
    assert isinstance(res, list) and len(res) == 2
    d = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(d) == ["loss", "accuracy"] and d["loss"] == pytest.approx(res[0])
    plain = classifier()
    assert isinstance(plain.evaluate(x, y, verbose=0), float)


def test_accuracy_resolution_like_keras(rng):
    x, y = make_blobs(rng, classes=2)
    onehot = to_categorical(y, 3)
    cat = classifier(loss="categorical_crossentropy", metrics=["accuracy"])
    cat.fit(x, onehot, epochs=1, verbose=0)
    acc = cat.evaluate(x, onehot, verbose=0)[1]
    pred = cat.predict(x, verbose=0)
    assert acc == pytest.approx(np.mean(pred.argmax(1) == y))
    binary = Sequential([Dense(1, activation="sigmoid", input_shape=(4,))])
    binary.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    acc = binary.evaluate(x, y, verbose=0)[1]
    p = binary.predict(x, verbose=0)[:, 0]
    assert acc == pytest.approx(np.mean((p > 0.5) == y))


def test_sample_weight_and_class_weight(rng):
    x, y = make_blobs(rng, n=60)
    model = classifier()
    w = np.where(y == 0, 2.0, 1.0)
    full = model.evaluate(x, y, verbose=0, sample_weight=w)
    per = [model.evaluate(x[i:i + 1], y[i:i + 1], verbose=0) for i in range(60)]
    assert full == pytest.approx(np.sum(w * per) / 60, rel=1e-5)
    # class_weight is turned into the same per-sample weights
    set_random_seed(0)
    m1 = classifier()
    init = m1.get_weights()
    m1.fit(x, y, epochs=2, class_weight={0: 2.0, 1: 1.0, 2: 1.0}, shuffle=False, verbose=0)
    m2 = classifier()
    m2.set_weights(init)
    m2.fit(x, y, epochs=2, sample_weight=w, shuffle=False, verbose=0)
    for a, b in zip(m1.get_weights(), m2.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_initial_epoch_and_epoch_numbers(rng):
    x, y = make_blobs(rng, n=40)
    model = classifier()
    hist = model.fit(x, y, epochs=5, initial_epoch=3, verbose=0)
    assert hist.epoch == [3, 4]


def test_train_test_predict_on_batch(rng):
    x, y = make_blobs(rng, n=32)
    model = classifier(metrics=["accuracy"])
    out = model.train_on_batch(x, y)
    assert isinstance(out, list) and len(out) == 2
    loss = model.test_on_batch(x, y)[0]
    assert loss == pytest.approx(model.evaluate(x, y, batch_size=32, verbose=0)[0], rel=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(x), model.predict(x, verbose=0),
                               rtol=1e-6)
    d = model.train_on_batch(x, y, return_dict=True)
    assert set(d) == {"loss", "accuracy"}


def test_fit_on_generator_with_steps_per_epoch(rng):
    x, y = make_blobs(rng, n=64)

    def batches():
        while True:
            for i in range(0, 64, 16):
                yield x[i:i + 16], y[i:i + 16]

    model = classifier()
    hist = model.fit(batches(), steps_per_epoch=4, epochs=3, verbose=0)
    assert len(hist.history["loss"]) == 3
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit(batches(), epochs=1, verbose=0)


def test_verbose_modes_print_keras_like_progress(rng, capsys):
    x, y = make_blobs(rng, n=40)
    model = classifier(metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=10, verbose=2)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out and "4/4" in out and "accuracy:" in out
    model.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(x, y, epochs=1, batch_size=10, verbose=1)
    captured = capsys.readouterr()
    # as Keras' ProgbarLogger: no "Epoch 1/1" header for a single epoch
    assert "Epoch" not in captured.out and "4/4" in captured.out


def test_callbacks_see_hooks_in_order(rng):
    x, y = make_blobs(rng, n=20)
    events = []

    class Recorder(Callback):
        def on_train_begin(self, logs=None): events.append("train_begin")
        def on_epoch_begin(self, epoch, logs=None): events.append(f"epoch_begin{epoch}")
        def on_train_batch_end(self, batch, logs=None): events.append(f"batch{batch}")
        def on_epoch_end(self, epoch, logs=None): events.append(f"epoch_end{epoch}:{sorted(logs)}")
        def on_train_end(self, logs=None): events.append("train_end")

    classifier().fit(x, y, epochs=2, batch_size=10, verbose=0, callbacks=[Recorder()])
    assert events == ["train_begin", "epoch_begin0", "batch0", "batch1", "epoch_end0:['loss']",
                      "epoch_begin1", "batch0", "batch1", "epoch_end1:['loss']", "train_end"]


def test_stop_training_flag_stops_after_batch(rng):
    x, y = make_blobs(rng, n=40)

    class Stopper(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    hist = classifier().fit(x, y, epochs=5, batch_size=10, verbose=0, callbacks=[Stopper()])
    assert len(hist.history["loss"]) == 1


def test_multi_output_sample_weight_dict_and_single_loss_for_all(rng):
    inp = Input(shape=(3,))
    h = Dense(4, activation="tanh")(inp)
    model = Model(inp, [Dense(1, name="a")(h), Dense(1, name="b")(h)])
    model.compile("sgd", loss="mse")
    x = rng.standard_normal((10, 3))
    logs = model.evaluate(x, [np.zeros(10), np.ones(10)], verbose=0, return_dict=True)
    assert set(logs) == {"loss", "a_loss", "b_loss"}
    assert logs["loss"] == pytest.approx(logs["a_loss"] + logs["b_loss"], rel=1e-6)


def test_predict_batches_match_and_dtype(rng):
    model = classifier()
    x = rng.standard_normal((100, 4))
    p = model.predict(x, batch_size=7, verbose=0)
    assert p.dtype == np.float32 and p.shape == (100, 3)
    np.testing.assert_allclose(p, model.predict(x, verbose=0), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-5)


def test_int_and_float64_inputs_are_accepted(rng):
    model = classifier()
    xi = rng.integers(0, 5, (8, 4))
    assert model.predict(xi, verbose=0).shape == (8, 3)
    model.fit(xi.astype(np.float64), rng.integers(0, 3, 8), epochs=1, verbose=0)


def test_metrics_ignore_sample_weight_weighted_metrics_use_it(rng):
    x, y = make_blobs(rng, n=50)
    model = classifier(metrics=["accuracy"], weighted_metrics=["accuracy"])
    w = np.where(y == 0, 5.0, 0.0)
    logs = model.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    correct = model.predict(x, verbose=0).argmax(1) == y
    assert logs["accuracy"] == pytest.approx(correct.mean())
    assert logs["weighted_accuracy"] == pytest.approx(np.sum(w * correct) / w.sum())


def test_gaussian_noise_only_in_training(rng):
    from skdeep.nn.layers import GaussianNoise

    x = rng.standard_normal((1000, 4)).astype("float32")
    layer = GaussianNoise(0.5, seed=1)
    np.testing.assert_array_equal(layer(x), x)
    noisy = layer(x, training=True)
    assert abs(np.std(noisy - x) - 0.5) < 0.02


def test_stream_input_rejects_array_only_arguments(rng):
    x, y = make_blobs(rng, n=32)

    class Batches:
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return x[i * 16:(i + 1) * 16], y[i * 16:(i + 1) * 16]

    model = classifier()
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(Batches(), validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="sample_weight"):
        model.fit(Batches(), sample_weight=np.ones(32), verbose=0)
    assert len(model.fit(Batches(), epochs=2, verbose=0).history["loss"]) == 2
    assert model.loss == "sparse_categorical_crossentropy"
