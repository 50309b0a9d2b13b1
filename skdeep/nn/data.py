"""Input checking and batching for fit / evaluate / predict."""
import numpy as np


def is_sparse(a):
    """Whether ``a`` is a SciPy sparse matrix/array (or another ``toarray`` type)."""
    return not isinstance(a, np.ndarray) and (
        hasattr(a, "toarray") or type(a).__module__.startswith("scipy.sparse"))


def _pandas_to_numpy(a, what):
    """A DataFrame/Series as an array; nullable columns (Int64, boolean, Float64)
    holding pd.NA give a clear error instead of an object array."""
    try:
        missing = bool(np.asarray(a.isna()).any())
    except (AttributeError, TypeError, ValueError):
        missing = False
    if missing:
        raise ValueError(f"{what} contains missing values (NaN or pd.NA); impute or drop them "
                         "first (e.g. with sklearn.impute.SimpleImputer)")
    try:
        return a.to_numpy(dtype=np.float64) if _nullable(a) else a.to_numpy()
    except (TypeError, ValueError):
        return a.to_numpy()


def _nullable(a):
    dtypes = a.dtypes if hasattr(a, "dtypes") and not hasattr(a, "dtype") else [a.dtype]
    return any(not isinstance(d, np.dtype) and getattr(d, "kind", "O") in "biuf"
               for d in dtypes)


def _to_array(a, what):
    if is_sparse(a):
        raise TypeError(f"{what} is a sparse matrix; pass a dense array (e.g. X.toarray())")
    if hasattr(a, "to_numpy") and not isinstance(a, np.ndarray):  # pandas
        a = _pandas_to_numpy(a, what)
    try:
        arr = np.asarray(a)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{what} could not be converted to an array: {exc}") from None
    if arr.dtype == object:
        try:
            arr = arr.astype(np.float64)
        except (ValueError, TypeError):
            raise ValueError(f"{what} has non-numeric values (dtype object); convert it to "
                             "numbers first") from None
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{what} must be numeric, got dtype {arr.dtype}")
    return arr


def _string_array(a, what, expected):
    """Text inputs as an object array of ``str`` (bytes decoded as UTF-8)."""
    if hasattr(a, "to_numpy") and not isinstance(a, np.ndarray):
        a = a.to_numpy()
    arr = np.asarray(a, dtype=object)
    if arr.ndim == len(expected) - 1 and len(expected) == 2 and expected[1] == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != len(expected):
        raise ValueError(f"{what} has shape {arr.shape}, but the model expects {expected} "
                         "(batch first)")
    flat = [v.decode("utf-8") if isinstance(v, bytes) else v for v in arr.reshape(-1).tolist()]
    if not all(isinstance(v, str) for v in flat):
        raise ValueError(f"{what} is a string input (Input(dtype='string')); got non-string "
                         "values")
    out = np.empty(arr.shape, dtype=object)
    out.reshape(-1)[:] = flat
    return out


def check_float32_range(arr, dtype, what):
    """Finite values that ``dtype`` (the model's float) cannot hold would turn
    into infinities when cast: say so, rather than "infinite values"."""
    dtype = np.dtype(dtype)
    if arr.dtype.kind != "f" or dtype.kind != "f" or dtype.itemsize >= arr.dtype.itemsize \
            or arr.size == 0:
        return
    limit = np.finfo(dtype).max
    finite = np.isfinite(arr)
    big = np.abs(arr[finite]).max(initial=0.0) if not finite.all() else np.abs(arr).max()
    if big > limit:
        raise ValueError(f"{what} has values up to {big:.3g}, beyond the {dtype.name} range "
                         f"(max {limit:.3g}) the model computes in; scale the data (e.g. "
                         "sklearn.preprocessing.StandardScaler) or use "
                         "backend.set_floatx('float64')")


def check_finite(arr, what):
    # a finite sum means every value is finite (NaN and inf propagate); only an
    # overflowing sum of finite values needs the elementwise test
    if arr.dtype.kind == "f" and not np.isfinite(arr.sum()) and not np.isfinite(arr).all():
        bad = "NaN" if np.isnan(arr).any() else "infinite"
        raise ValueError(f"{what} contains {bad} values; clean or impute them before training")


def _single_array_list(x):
    """``[array]``: one array wrapped in a list, as Keras accepts for one input."""
    return len(x) == 1 and hasattr(x[0], "shape") and np.ndim(x[0]) >= 1


def standardize_inputs(model, x, check=True):
    """``x`` (array, list or dict by input name) → list of arrays in input order."""
    tensors = model._input_tensors
    if isinstance(x, dict):
        missing = [t.name for t in tensors if t.name not in x]
        if missing:
            raise ValueError(f"Missing inputs {missing}; the model's inputs are "
                             f"{[t.name for t in tensors]}")
        xs = [x[t.name] for t in tensors]
    elif isinstance(x, (list, tuple)) and (len(tensors) > 1 or _single_array_list(x)):
        xs = list(x)
    else:
        xs = [x]
    if len(xs) != len(tensors):
        raise ValueError(f"Model '{model.name}' expects {len(tensors)} input arrays, got "
                         f"{len(xs)}")
    out = []
    for t, a in zip(tensors, xs):
        what = f"Input '{t.name}'" if len(tensors) > 1 else "Input x"
        if t.dtype == "string":  # Input(dtype="string"): text, kept as Python strings
            arr = _string_array(a, what, t.shape)
            out.append(arr)
            continue
        arr = _to_array(a, what)
        expected = t.shape
        if arr.ndim == len(expected) - 1 and len(expected) == 2 and expected[1] == 1:
            arr = arr.reshape(-1, 1)
        if arr.ndim != len(expected) or any(e is not None and e != s
                                            for e, s in zip(expected[1:], arr.shape[1:])):
            raise ValueError(f"{what} has shape {arr.shape}, but the model expects "
                             f"{expected} (batch first)")
        layer_dtype = t.node.layer.dtype if t.node is not None else None
        if arr.dtype.kind == "f" or t.dtype.startswith("float"):
            if arr.dtype.kind in "biu" and not str(layer_dtype).startswith("float"):
                pass
            else:
                dtype = _model_float(model)  # once: predict(1 row) is per-call overhead
                if check:
                    check_float32_range(arr, dtype, what)
                arr = arr.astype(dtype, copy=False)
        if check:
            check_finite(arr, what)
        out.append(np.ascontiguousarray(arr))
    return out


def _model_float(model):
    for layer in model._all_layers:
        weights = layer._weights  # the layer's own (the property builds a list)
        if weights:
            return weights[0].dtype
    return np.dtype(model.dtype)


def standardize_targets(model, y, check=True):
    """``y`` (array, list or dict by output name) → list aligned with the outputs."""
    names = model.output_names
    if y is None:
        return None
    if isinstance(y, dict):
        unknown = sorted(set(y) - set(names))
        if unknown:
            raise ValueError(f"Unknown output names {unknown} in y; outputs are {names}")
        ys = [y.get(n) for n in names]
    elif isinstance(y, (list, tuple)) and (len(names) > 1 or _single_array_list(y)):
        ys = list(y)
    else:
        ys = [y]
    if len(ys) != len(names):
        raise ValueError(f"Model '{model.name}' has {len(names)} outputs {names}, got "
                         f"{len(ys)} target arrays")
    out = []
    for name, a in zip(names, ys):
        if a is None:
            out.append(None)
            continue
        what = f"Target '{name}'" if len(names) > 1 else "Target y"
        arr = _to_array(a, what)
        if arr.ndim == 0:
            raise ValueError(f"{what} must have a batch dimension, got a scalar")
        if check:
            check_float32_range(arr, _model_float(model), what)
            check_finite(arr, what)
        out.append(arr)
    return out


def standardize_sample_weight(sample_weight, n_outputs, n, names):
    if sample_weight is None:
        return [None] * n_outputs
    if isinstance(sample_weight, dict):
        sws = [sample_weight.get(k) for k in names]
    elif isinstance(sample_weight, (list, tuple)) and n_outputs > 1:
        sws = list(sample_weight)
    else:
        sws = [sample_weight] * n_outputs
    out = []
    for sw in sws:
        if sw is None:
            out.append(None)
            continue
        sw = _to_array(sw, "sample_weight").astype(np.float64).reshape(-1)
        if sw.shape[0] != n:
            raise ValueError(f"sample_weight has {sw.shape[0]} values for {n} samples")
        check_finite(sw, "sample_weight")
        if (sw < 0).any():
            raise ValueError("sample_weight must be non-negative")
        out.append(sw)
    return out


def class_weight_to_sample_weight(class_weight, y):
    """Per-sample weights from a ``{class: weight}`` dict (Keras' class_weight)."""
    y = np.asarray(y)
    if y.ndim >= 2 and y.shape[-1] > 1:
        ids = np.argmax(y, axis=-1)
    else:
        ids = y.reshape(-1)
        if y.ndim >= 2 and y.shape[-1] == 1:
            ids = y[..., 0].reshape(-1)
        ids = np.round(ids).astype(np.int64)
    weights = np.ones(ids.shape[0], dtype=np.float64)
    for cls, w in check_class_weight(class_weight).items():
        weights[ids == cls] = w
    return weights


def check_class_weight(class_weight, integer_keys=True):
    """``class_weight`` validated like ``sample_weight``: a dict of finite,
    non-negative weights; with ``integer_keys``, keyed by class index (Keras)."""
    if not isinstance(class_weight, dict):
        raise ValueError(f"class_weight must be a dict {{class index: weight}}, got "
                         f"{type(class_weight).__name__}")
    out = {}
    for cls, w in class_weight.items():
        if integer_keys and (isinstance(cls, (bool, np.bool_))
                             or not isinstance(cls, (int, np.integer))):
            raise ValueError(f"class_weight keys must be integer class indices (0 to "
                             f"n_classes - 1), got {cls!r} ({type(cls).__name__}); encode "
                             "string labels first")
        try:
            value = float(w)
        except (TypeError, ValueError):
            raise ValueError(f"class_weight[{cls!r}] must be a number, got {w!r}") from None
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"class_weight[{cls!r}] must be finite and non-negative, got {w!r}")
        out[int(cls) if integer_keys else cls] = value
    return out


def n_samples(arrays, what="x and y"):
    sizes = {a.shape[0] for a in arrays if a is not None}
    if len(sizes) > 1:
        raise ValueError(f"Data cardinality is ambiguous: {what} have different numbers of "
                         f"samples {sorted(sizes)}")
    n = sizes.pop() if sizes else 0
    if n == 0:
        raise ValueError("Empty data: x has 0 samples")
    return n


def take(arrays, index):
    """Rows ``index`` (a slice or an index array) of every array (None kept)."""
    if isinstance(index, slice):
        return [None if a is None else a[index] for a in arrays]
    return [None if a is None else np.take(a, index, axis=0) for a in arrays]


def batch_indices(n, batch_size, shuffle, rng):
    """Slices (no shuffle) or index arrays (shuffled) covering ``range(n)``."""
    if not shuffle:
        return [slice(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]
    perm = rng.permutation(n)
    return [perm[i:i + batch_size] for i in range(0, n, batch_size)]


def is_batch_stream(x):
    """True for generators / iterators / Keras-Sequence-like objects yielding batches."""
    if isinstance(x, (np.ndarray, list, tuple, dict, str, bytes)) or hasattr(x, "to_numpy") \
            or hasattr(x, "shape"):  # arrays, DataFrames, sparse matrices
        return False
    return hasattr(x, "__next__") or (hasattr(x, "__getitem__") and hasattr(x, "__len__")) \
        or hasattr(x, "__iter__")
