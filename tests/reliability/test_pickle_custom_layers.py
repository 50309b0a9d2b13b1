"""A fitted estimator with a custom layer class from an importable module
pickles into a fresh process and into loky workers; load_model stays safe."""
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from skdeep import NeuralRegressor
from skdeep.nn import Sequential, load_model
from skdeep.nn.layers import Dense

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = textwrap.dedent('''
    from skdeep.nn.layers import Layer


    class Doubler(Layer):
        """Multiplies its input by two (a custom layer without weights)."""

        def forward(self, inputs, ctx):
            return inputs * 2.0, lambda dy: dy * 2.0
''')


@pytest.fixture
def custom_module(tmp_path, monkeypatch):
    name = f"skdeep_rel_custom_{os.getpid()}"
    (tmp_path / f"{name}.py").write_text(MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), ROOT]))
    module = __import__(name)
    yield module
    sys.modules.pop(name, None)


def fitted(module):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((20, 3)), rng.standard_normal(20)
    est = NeuralRegressor(layers=[Dense(4, activation="tanh"), module.Doubler()], epochs=2,
                          random_state=0).fit(X, y)
    return est, X


def _predict(est, X):
    return est.predict(X)


def test_fresh_process_unpickles_a_custom_layer(custom_module, tmp_path):
    est, X = fitted(custom_module)
    path = tmp_path / "est.pkl"
    path.write_bytes(pickle.dumps(est))
    np.save(tmp_path / "X.npy", X)
    code = ("import pickle, numpy as np, sys\n"
            f"est = pickle.loads(open({str(path)!r}, 'rb').read())\n"
            f"np.save({str(tmp_path / 'out.npy')!r}, est.predict(np.load({str(tmp_path / 'X.npy')!r})))\n")
    subprocess.run([sys.executable, "-c", code], cwd=str(tmp_path), check=True)
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), est.predict(X), rtol=1e-6)


def test_loky_workers_unpickle_a_custom_layer(custom_module):
    est, X = fitted(custom_module)
    # a loky process unpickles the estimator (cloudpickle), as cross-validation
    # and searches with n_jobs do; fresh workers, started with this test's
    # PYTHONPATH (workers reused from earlier tests could not import the module)
    from joblib.externals.loky import get_reusable_executor

    executor = get_reusable_executor(max_workers=1, reuse=False, kill_workers=True,
                                     env={"PYTHONPATH": os.environ["PYTHONPATH"]})
    try:
        out = executor.submit(_predict, est, X).result(timeout=300)
    finally:
        executor.shutdown(wait=True, kill_workers=True)
    np.testing.assert_allclose(out, est.predict(X), rtol=1e-6)


def test_load_model_imports_nothing_unregistered(custom_module, tmp_path):
    model = Sequential([Dense(2, input_shape=(3,)), custom_module.Doubler()])
    path = tmp_path / "m.skdeep"
    model.save(path)
    del sys.modules[custom_module.__name__]
    with pytest.raises(ValueError, match="Unknown layer class 'Doubler'"):
        load_model(path)
    assert custom_module.__name__ not in sys.modules
    assert load_model(path, custom_objects={"Doubler": custom_module.Doubler}).layers[1]


def test_in_process_round_trip_and_clone(custom_module):
    est, X = fitted(custom_module)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_allclose(again.predict(X), est.predict(X), rtol=1e-6)
    assert type(again.model_.layers[1]) is custom_module.Doubler
