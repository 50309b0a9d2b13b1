"""Autoencoder: codes, reconstructions, denoising, anomaly scores and sklearn glue."""
import numpy as np
import pandas as pd
import pytest

from skdeep import Autoencoder
from skdeep.nn.layers import Dense, Dropout, Flatten


@pytest.fixture(scope="module")
def data():
    # 6 features driven by 2 latent factors: a 2-component code reconstructs them well
    rng = np.random.default_rng(0)
    latent = rng.normal(size=(150, 2))
    mixing = rng.normal(size=(2, 6))
    return latent @ mixing + 0.05 * rng.normal(size=(150, 6))


def small(**kw):
    params = dict(encoder_layers=[Dense(16, activation="tanh")], n_components=2, epochs=40,
                  learning_rate=0.01, random_state=0)
    params.update(kw)
    return Autoencoder(**params)


def test_codes_reconstructions_and_scores(data):
    ae = small().fit(data)
    codes = ae.transform(data)
    assert codes.shape == (150, 2) and codes.dtype == np.float64
    recon = ae.inverse_transform(codes)
    assert recon.shape == data.shape
    np.testing.assert_allclose(recon, ae.model_.predict(data, verbose=0), rtol=1e-5, atol=1e-5)
    mse = np.mean((recon - data) ** 2, axis=1)
    np.testing.assert_allclose(ae.score_samples(data), -mse, rtol=1e-5, atol=1e-6)
    assert ae.score(data) == pytest.approx(-mse.mean(), rel=1e-5)
    assert mse.mean() < 0.2 * data.var(0).mean()
    assert [type(layer).__name__ for layer in ae.model_.layers] == ["Dense"] * 4
    assert [layer.units for layer in ae.model_.layers] == [16, 2, 16, 6]  # mirrored decoder
    with pytest.raises(ValueError, match="n_components"):
        ae.inverse_transform(codes[:, :1])


def test_score_samples_flags_corrupted_rows(data):
    ae = small().fit(data)
    corrupted = data[:20].copy()
    corrupted[:, ::2] += 4.0
    normal, odd = ae.score_samples(data[20:40]), ae.score_samples(corrupted)
    assert np.median(odd) < np.min(normal)


def test_denoising_uses_fresh_noise_and_is_reproducible(data):
    a = small(noise=0.3, epochs=10).fit(data)
    b = small(noise=0.3, epochs=10).fit(data)
    np.testing.assert_array_equal(a.transform(data), b.transform(data))
    clean = small(epochs=10).fit(data)
    assert not np.array_equal(a.transform(data), clean.transform(data))
    split = small(noise=0.3, epochs=3, validation_split=0.2).fit(data)
    assert set(split.history_) == {"loss", "val_loss"} and len(split.history_["val_loss"]) == 3
    weighted = small(noise=0.1, epochs=2).fit(data, sample_weight=np.ones(150))
    assert weighted.n_iter_ == 2


def test_explicit_decoder_routing_and_specs_untouched(data):
    enc = [Dense(12, activation="relu"), Dropout(0.1)]
    dec = [Dense(10, activation="relu")]
    configs = [layer.get_config() for layer in enc + dec]
    ae = small(encoder_layers=enc, decoder_layers=dec, encoder_layers__0__units=7,
               decoder_layers__0__units=9, n_components=3, epochs=2).fit(data)
    assert [getattr(layer, "units", None) for layer in ae.model_.layers] == [7, None, 3, 9, 6]
    assert [layer.get_config() for layer in enc + dec] == configs
    params = ae.get_params()
    assert params["encoder_layers__0__units"] == 7 and params["decoder_layers__0__units"] == 9
    with pytest.raises(ValueError, match="mirror"):
        small(encoder_layers=[Flatten()]).fit(data)


def test_pandas_feature_names_and_set_output(data):
    df = pd.DataFrame(data, columns=[f"f{i}" for i in range(6)])
    ae = small(epochs=2).set_output(transform="pandas").fit(df)
    np.testing.assert_array_equal(ae.feature_names_in_, df.columns)
    out = ae.transform(df)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["autoencoder0", "autoencoder1"]
    np.testing.assert_array_equal(ae.get_feature_names_out(), ["autoencoder0", "autoencoder1"])


def test_partial_fit_warm_start_and_bce_output(data):
    ae = small()
    for start in range(0, 150, 50):
        ae.partial_fit(data[start:start + 50])
    assert ae.n_iter_ == 3
    ae.set_params(warm_start=True, epochs=2).fit(data)
    assert ae.n_iter_ == 5
    unit = (data - data.min()) / (data.max() - data.min())
    bce = small(loss="binary_crossentropy", epochs=2).fit(unit)
    assert bce.model_.layers[-1].activation.__name__ == "sigmoid"
    assert ((bce.inverse_transform(bce.transform(unit)) > 0) &
            (bce.inverse_transform(bce.transform(unit)) < 1)).all()
    f32 = small(epochs=1).fit(data.astype(np.float32))
    assert f32.transform(data.astype(np.float32)).dtype == np.float32
