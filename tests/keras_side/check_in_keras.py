"""The Keras half of tests/nn/test_keras_roundtrip.py (run with a Keras 3 Python).

For every NAME.npz in the directory given (inputs ``x0``... and skdeep's
predictions ``y0``...), Keras opens the skdeep-written NAME.keras, NAME.h5,
NAME.weights.h5 and NAME_weights.h5, predicts, and writes NAME.from_keras.keras
(and its predictions in NAME.from_keras.npz) for skdeep to read back. The
report goes to report.json: the largest prediction difference per file, the
optimizer iterations Keras restored, and any error.
"""
import json
import os
import sys
import traceback

os.environ.setdefault("KERAS_BACKEND", "numpy")  # inference only: no XLA compile wait

import keras
import numpy as np


def predict(model, xs):
    out = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    return out if isinstance(out, list) else [out]


def diff(a, b):
    return max(float(np.max(np.abs(np.asarray(p) - np.asarray(q)))) for p, q in zip(a, b))


def main(folder):
    report = {}
    for f in sorted(os.listdir(folder)):
        if not f.endswith(".npz") or ".from_keras" in f:
            continue
        name = f[:-4]
        data = np.load(os.path.join(folder, f))
        xs = [data[k] for k in sorted(k for k in data.files if k.startswith("x"))]
        ys = [data[k] for k in sorted(k for k in data.files if k.startswith("y"))]
        base = os.path.join(folder, name)
        entry = report[name] = {}
        try:
            model = keras.saving.load_model(base + ".keras")
            entry["keras"] = diff(predict(model, xs), ys)
            opt = getattr(model, "optimizer", None)
            entry["iterations"] = None if opt is None else int(opt.iterations.numpy())
            legacy = keras.saving.load_model(base + ".h5")
            entry["h5"] = diff(predict(legacy, xs), ys)
            fresh = keras.models.clone_model(model)
            fresh.load_weights(base + ".weights.h5")
            entry["weights_h5"] = diff(predict(fresh, xs), ys)
            fresh = keras.models.clone_model(model)
            fresh.load_weights(base + "_weights.h5")
            entry["legacy_weights_h5"] = diff(predict(fresh, xs), ys)
            model.save(base + ".from_keras.keras")
            np.savez(base + ".from_keras.npz", **{f"y{i}": y for i, y in
                                                  enumerate(predict(model, xs))})
        except Exception:  # noqa: BLE001
            entry["error"] = traceback.format_exc()[-3000:]
    with open(os.path.join(folder, "report.json"), "w") as fh:
        json.dump(report, fh, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
