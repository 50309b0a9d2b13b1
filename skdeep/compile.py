"""Compile skdeep's Numba kernels ahead of the first fit: ``python -m skdeep.compile``.

skdeep's kernels are compiled on first use and cached on disk (Numba's
``cache=True``: next to the package, or under ``NUMBA_CACHE_DIR``). The first
fit in a fresh environment therefore pays for compiling what it uses. Running
this module once after installing (or in a CI job before the tests, or in a
Docker build step) fills the cache, so that every later process starts warm.

It trains tiny models of each layer family for a couple of steps, which
compiles exactly the kernels and signatures a real fit uses, and prints the
seconds each family took.

Usage::

    python -m skdeep.compile                     # every family, float32
    python -m skdeep.compile --families dense,conv --dtypes float32,float64

Examples
--------
>>> from skdeep.compile import FAMILIES
>>> sorted(FAMILIES)[:3]
['activations', 'conv', 'dense']
"""
import argparse
import sys
import time

import numpy as np

__all__ = ["FAMILIES", "main", "warm"]

_ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus",
                "softsign", "swish", "gelu", "leaky_relu", "hard_sigmoid", "exponential",
                "relu6")


def _fit(model, x, y, loss, optimizer="adam"):
    model.compile(optimizer=optimizer, loss=loss)
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    model.predict(x, verbose=0)


def _dense(dtype, rng):
    from .nn import Sequential
    from .nn.layers import BatchNormalization, Dense, Dropout

    x = rng.standard_normal((8, 5)).astype(dtype)
    y2 = rng.integers(0, 2, 8)
    y3 = rng.integers(0, 3, 8)
    yr = rng.standard_normal(8).astype(dtype)
    def hidden():
        return [Dense(6, activation="relu", dtype=dtype), BatchNormalization(dtype=dtype),
                Dropout(0.1, dtype=dtype)]
    for loss, out, y in (("binary_crossentropy", Dense(1, activation="sigmoid", dtype=dtype), y2),
                         ("sparse_categorical_crossentropy",
                          Dense(3, activation="softmax", dtype=dtype), y3),
                         ("mse", Dense(1, dtype=dtype), yr)):
        model = Sequential(hidden() + [out])
        model.build((None, 5))
        _fit(model, x, y, loss)
    onehot = np.eye(3, dtype=dtype)[y3]
    model = Sequential([Dense(3, activation="softmax", dtype=dtype)])
    model.build((None, 5))
    _fit(model, x, onehot, "categorical_crossentropy")
    for opt in ("sgd", "rmsprop", "adagrad"):
        model = Sequential([Dense(1, dtype=dtype)])
        model.build((None, 5))
        _fit(model, x, yr, "mse", optimizer=opt)


def _activations(dtype, rng):
    from .nn import Sequential
    from .nn.layers import Dense

    x = rng.standard_normal((8, 4)).astype(dtype)
    y = rng.standard_normal(8).astype(dtype)
    for name in _ACTIVATIONS:
        model = Sequential([Dense(4, activation=name, dtype=dtype), Dense(1, dtype=dtype)])
        model.build((None, 4))
        _fit(model, x, y, "mse")


def _conv(dtype, rng):
    from .nn import Sequential
    from .nn.layers import (
        AveragePooling2D,
        Conv1D,
        Conv2D,
        Dense,
        Flatten,
        GlobalAveragePooling1D,
        GlobalAveragePooling2D,
        MaxPooling1D,
        MaxPooling2D,
    )

    x = rng.standard_normal((4, 8, 8, 2)).astype(dtype)
    y = rng.integers(0, 2, 4)
    for pool in (MaxPooling2D, AveragePooling2D):
        model = Sequential([Conv2D(3, 3, activation="relu", padding="same", dtype=dtype),
                            pool(dtype=dtype), Conv2D(3, 3, dtype=dtype),
                            GlobalAveragePooling2D(dtype=dtype),
                            Dense(1, activation="sigmoid", dtype=dtype)])
        model.build((None, 8, 8, 2))
        _fit(model, x, y, "binary_crossentropy")
    model = Sequential([Conv2D(2, 3, strides=2, dtype=dtype), Flatten(dtype=dtype),
                        Dense(1, activation="sigmoid", dtype=dtype)])
    model.build((None, 8, 8, 2))
    _fit(model, x, y, "binary_crossentropy")
    xs = rng.standard_normal((4, 10, 3)).astype(dtype)
    model = Sequential([Conv1D(4, 3, activation="relu", dtype=dtype), MaxPooling1D(dtype=dtype),
                        GlobalAveragePooling1D(dtype=dtype),
                        Dense(1, activation="sigmoid", dtype=dtype)])
    model.build((None, 10, 3))
    _fit(model, xs, y, "binary_crossentropy")


def _recurrent(dtype, rng):
    from .nn import Sequential
    from .nn.layers import GRU, LSTM, Bidirectional, Dense, Embedding, SimpleRNN

    ids = rng.integers(0, 20, (8, 6))
    y = rng.integers(0, 2, 8)
    for cell in (SimpleRNN, LSTM, GRU):
        for layers in ([cell(4, dtype=dtype)],
                       [cell(4, return_sequences=True, dtype=dtype), cell(4, dtype=dtype)],
                       [Bidirectional(cell(3, dtype=dtype))]):
            model = Sequential([Embedding(20, 5, mask_zero=True, dtype=dtype)] + layers
                               + [Dense(1, activation="sigmoid", dtype=dtype)])
            model.build((None, 6))
            _fit(model, ids, y, "binary_crossentropy")


def _embedding(dtype, rng):
    from .nn import Sequential
    from .nn.layers import Dense, Embedding, Flatten, GlobalAveragePooling1D

    ids = rng.integers(0, 20, (8, 6))
    y = rng.integers(0, 2, 8)
    for layers in ([Flatten(dtype=dtype)], [GlobalAveragePooling1D(dtype=dtype)]):
        model = Sequential([Embedding(20, 5, dtype=dtype)] + layers
                           + [Dense(1, activation="sigmoid", dtype=dtype)])
        model.build((None, 6))
        _fit(model, ids, y, "binary_crossentropy")


#: family name -> function(dtype, rng) training tiny models of that family
FAMILIES = {"dense": _dense, "activations": _activations, "conv": _conv,
            "embedding": _embedding, "recurrent": _recurrent}


def warm(families=None, dtypes=("float32",), verbose=True):
    """Compile the kernels of ``families`` for ``dtypes``; returns ``{(family, dtype): s}``.

    Parameters
    ----------
    families : list of str, optional
        Names from :data:`FAMILIES`; all of them by default.
    dtypes : tuple of str, default ('float32',)
        Float dtypes to compile for (skdeep trains in float32 unless a layer
        or ``backend.set_floatx`` asks for float64).
    verbose : bool, default True
        Print one line per family.
    """
    families = list(FAMILIES) if families is None else list(families)
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        raise ValueError(f"Unknown families {unknown}; choose from {sorted(FAMILIES)}")
    seconds = {}
    for dtype in dtypes:
        dtype = np.dtype(dtype).name
        if dtype not in ("float32", "float64"):
            raise ValueError(f"dtypes must be float32 or float64, got {dtype!r}")
        for family in families:
            t0 = time.perf_counter()
            FAMILIES[family](dtype, np.random.default_rng(0))
            seconds[(family, dtype)] = time.perf_counter() - t0
            if verbose:
                print(f"{family:<12} {dtype:<8} {seconds[(family, dtype)]:6.2f} s", flush=True)
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m skdeep.compile",
                                     description="Fill Numba's cache with skdeep's kernels.")
    parser.add_argument("--families", default=",".join(FAMILIES),
                        help=f"comma-separated, from {','.join(FAMILIES)} (default: all)")
    parser.add_argument("--dtypes", default="float32", help="float32, float64 or both")
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    warm(args.families.split(","), tuple(args.dtypes.split(",")), verbose=not args.quiet)
    if not args.quiet:
        print(f"total        {time.perf_counter() - t0:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
