"""Data batching for fit / evaluate / predict (Keras' epoch iterator).

Arrays are checked and split into per-input lists once (:func:`prepare_xy`),
then sliced into batches each epoch (:func:`array_batches`); generators and
``Sequence`` objects are read batch by batch (:func:`stream_batches`).
"""
from . import data


def prepare_xy(model, x, y, sample_weight=None, class_weight=None, check=True):
    model._ensure_graph(x)
    xs = data.standardize_inputs(model, x, check=check)
    ys = data.standardize_targets(model, y, check=check)
    if ys is None:
        if not (model.compiled and model._compile_spec.get("loss") is None):
            raise ValueError("Target data y is required")
        # compiled without a loss (add_loss terms only): no targets, as Keras allows
        ys = [None] * len(model.output_names)
    n = data.n_samples(xs + [t for t in ys if t is not None])
    sws = data.standardize_sample_weight(sample_weight, len(ys), n, model.output_names)
    if class_weight is not None:
        if len(ys) != 1:
            raise ValueError("class_weight is only supported for models with a single output")
        if not isinstance(class_weight, dict):
            raise ValueError(f"class_weight must be a dict {{class: weight}}, got "
                             f"{type(class_weight).__name__}")
        cw = data.class_weight_to_sample_weight(class_weight, ys[0])
        sws = [cw if sws[0] is None else sws[0] * cw]
    return xs, ys, sws, n


def array_batches(xs, ys, sws, n, batch_size, shuffle=False, rng=None):
    """One epoch of ``(x, y, sample_weight)`` batches sliced from prepared arrays."""
    for idx in data.batch_indices(n, batch_size, shuffle, rng):
        yield data.take(xs, idx), data.take(ys, idx), data.take(sws, idx)


def array_steps(xs, ys, sws, n, batch_size, shuffle, rng, steps_per_epoch):
    """Epochs of ``steps_per_epoch`` batches over arrays: each epoch goes on where
    the previous one stopped, and a new (reshuffled) pass starts when one is
    used up, as Keras' epoch iterator does."""
    current = [iter(())]

    def epoch_batches():
        for _ in range(steps_per_epoch):
            idx = next(current[0], None)
            if idx is None:
                current[0] = iter(data.batch_indices(n, batch_size, shuffle, rng))
                idx = next(current[0])
            yield data.take(xs, idx), data.take(ys, idx), data.take(sws, idx)

    return epoch_batches


def prepare_validation(model, validation_data):
    if isinstance(validation_data, tuple) and len(validation_data) == 3 and \
            isinstance(validation_data[0], list) and isinstance(validation_data[1], list) and \
            isinstance(validation_data[2], list) and \
            len(validation_data[0]) == len(model._input_tensors):
        return validation_data  # already split from the training arrays
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError("validation_data must be a tuple (x_val, y_val) or "
                         "(x_val, y_val, sample_weight_val)")
    vx, vy = validation_data[0], validation_data[1]
    vsw = validation_data[2] if len(validation_data) == 3 else None
    xs, ys, sws, _ = prepare_xy(model, vx, vy, vsw)
    return xs, ys, sws


def stream_batches(model, source, steps_per_epoch, what="steps_per_epoch"):
    """A callable giving one epoch's batches from a generator or Sequence.

    An unbuilt model is built from the first batch, which is not lost.
    """
    if hasattr(source, "__len__") and hasattr(source, "__getitem__") and \
            not hasattr(source, "__next__"):
        n_batches = len(source) if steps_per_epoch is None else min(steps_per_epoch, len(source))
        if n_batches == 0:
            raise ValueError("The batch sequence is empty")
        if not model._graph_ready:
            model._ensure_graph(_first_x(source[0]))

        def epoch_batches():
            for i in range(n_batches):
                yield unpack_batch(model, source[i])
            if hasattr(source, "on_epoch_end"):
                source.on_epoch_end()

        return epoch_batches
    one_shot = hasattr(source, "__next__")
    if steps_per_epoch is None and one_shot:
        raise ValueError(f"{what} is required when x is a generator (it may never end)")
    iterator = [iter(source)]
    pending = []
    if not model._graph_ready:
        try:
            pending.append(next(iterator[0]))
        except StopIteration:
            raise ValueError("The data generator yielded no batch") from None
        model._ensure_graph(_first_x(pending[0]))

    def epoch_batches():
        if not one_shot and not pending:
            iterator[0] = iter(source)  # a re-iterable dataset: one pass per epoch
        count = 0
        while steps_per_epoch is None or count < steps_per_epoch:
            if pending:
                batch = pending.pop()
            else:
                try:
                    batch = next(iterator[0])
                except StopIteration:
                    if count == 0:
                        raise ValueError("The data generator is exhausted: it yielded no batch "
                                         f"for this epoch. Make it loop forever or lower epochs/"
                                         f"{what}") from None
                    return
            count += 1
            yield unpack_batch(model, batch)

    return epoch_batches


def _first_x(batch):
    if not isinstance(batch, (tuple, list)) or len(batch) not in (2, 3):
        raise ValueError("A data generator must yield (x, y) or (x, y, sample_weight) tuples")
    return batch[0]


def unpack_batch(model, batch):
    if not isinstance(batch, (tuple, list)) or len(batch) not in (2, 3):
        raise ValueError("A data generator must yield (x, y) or (x, y, sample_weight) tuples")
    sw = batch[2] if len(batch) == 3 else None
    xs, ys, sws, _ = prepare_xy(model, batch[0], batch[1], sw)
    return xs, ys, sws
