"""transfer: training steps of the keras-io transfer-learning recipe.

Rescaling -> MobileNetV2 (no top, ``trainable=False``, called with
``training=False``) -> GlobalAveragePooling2D -> Dropout(0.2) -> Dense(1),
Adam, binary cross-entropy from logits, batch 8 of 96x96x3 random images.
Only the head trains, so the backward pass should stop at the head: the
figure is training steps per second (median over timed steps after one
warm-up step).

Also runnable on its own: ``python -m benchmarks.transfer [--steps N]
[--rounds R]`` alternates, in one process, steps with the engine's gradient
pruning (``ExecutionPlan.prune``) and steps without it (every node's
backward runs, as before the pruning), and prints both medians and their
ratio.
"""
import statistics
import sys
import time

import numpy as np

from benchmarks import common

WORKLOADS = {"transfer": dict(batch_size=8, side=96, steps=10)}
FIGURES = {"steps_per_s": ("training steps/s (median step)", "higher")}


def skdeep_transfer(side):
    import skdeep.nn as keras

    base = keras.applications.MobileNetV2(weights=None, input_shape=(side, side, 3),
                                          include_top=False)
    base.trainable = False
    inputs = keras.Input(shape=(side, side, 3))
    x = keras.layers.Rescaling(scale=1 / 127.5, offset=-1)(inputs)
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.2)(x)
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    model.compile(optimizer=keras.optimizers.Adam(),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True))
    return model


def _batch(batch_size, side):
    rng = np.random.default_rng(common.SEED + 14)
    x = rng.integers(0, 256, size=(batch_size, side, side, 3)).astype(np.float32)
    y = rng.integers(0, 2, size=(batch_size, 1)).astype(np.float32)
    return x, y


def _state(model, x, y):
    from skdeep.nn.compile_utils import train_state

    model.train_on_batch(x, y)  # builds the plan, compiles the kernels
    return train_state(model)


def run_skdeep(workload, batch_size, side, steps):
    from skdeep.nn import backend

    backend.set_random_seed(0)
    x, y = _batch(batch_size, side)
    model = skdeep_transfer(side)
    state = _state(model, x, y)
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        state.train_step([x], [y], [None])
        times.append(time.perf_counter() - t0)
    return {"steps_per_s": 1.0 / statistics.median(times)}


def compare(batch_size=8, side=96, steps=4, rounds=5):
    """Median step seconds with and without gradient pruning, alternated in rounds."""
    from skdeep.nn import backend
    from skdeep.nn.execution import count_calls, make_contexts

    backend.set_random_seed(0)
    x, y = _batch(batch_size, side)
    model = skdeep_transfer(side)
    state = _state(model, x, y)
    plan = state.plan
    pruned = plan.train_ctx
    full = make_contexts(model, True, need_dx=False, fused=plan.fused, calls=count_calls(model))
    variants = {"old (no pruning)": full, "new (pruned)": pruned}
    times = {k: [] for k in variants}
    for ctxs in variants.values():  # warm-up: work arrays of both context sets
        plan.train_ctx = ctxs
        state.train_step([x], [y], [None])
    for _ in range(rounds):
        for name, ctxs in variants.items():
            plan.train_ctx = ctxs
            for _ in range(steps):
                t0 = time.perf_counter()
                state.train_step([x], [y], [None])
                times[name].append(time.perf_counter() - t0)
    plan.train_ctx = pruned
    return {k: statistics.median(v) for k, v in times.items()}


if __name__ == "__main__":
    args = sys.argv[1:]
    opts = {k: int(args[args.index(f"--{k}") + 1]) for k in ("steps", "rounds", "side", "batch")
            if f"--{k}" in args}
    if "batch" in opts:
        opts["batch_size"] = opts.pop("batch")
    result = compare(**opts)
    for name, sec in result.items():
        print(f"{name:20s} {sec * 1e3:8.1f} ms per step")
    old, new = result.values()
    print(f"speed-up {old / new:.2f}x")
