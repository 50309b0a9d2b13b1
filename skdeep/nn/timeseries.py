"""``keras.utils.timeseries_dataset_from_array``: sliding windows over an array,
as a :class:`~skdeep.nn.utils.PyDataset` of NumPy batches that ``fit``,
``evaluate`` and ``predict`` take directly."""
import numbers

import numpy as np

from .py_dataset import PyDataset

__all__ = ["timeseries_dataset_from_array"]


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"`{name}` must be an integer higher than 0. Received: "
                         f"{name}={value!r}")
    return int(value)


class TimeseriesDataset(PyDataset):
    """The windows of :func:`timeseries_dataset_from_array`: ``ds[i]`` is batch
    ``i``, ``(windows, targets)`` or only the windows when there are no targets.

    With ``shuffle=True`` the window order is drawn again after each epoch
    (``on_epoch_end``), from a generator seeded once by ``seed``.
    """

    def __init__(self, data, targets, starts, offsets, batch_size, rng):
        super().__init__()
        self.data, self.targets = data, targets
        self._starts, self._offsets = starts, offsets
        self.batch_size = batch_size
        self._rng = rng

    def __len__(self):
        if self.batch_size is None:
            return len(self._starts)
        return -(-len(self._starts) // self.batch_size)

    def __getitem__(self, index):
        n = len(self)
        if isinstance(index, (bool, np.bool_)) or not isinstance(index, numbers.Integral):
            raise TypeError(f"batch index must be an integer, got {index!r}")
        if not -n <= index < n:
            raise IndexError(f"batch index {index} out of range for {n} batches")
        index %= n
        if self.batch_size is None:
            starts = self._starts[index]
        else:
            starts = self._starts[index * self.batch_size:(index + 1) * self.batch_size]
        windows = self.data[np.add.outer(starts, self._offsets)]
        if self.targets is None:
            return windows
        return windows, self.targets[starts]

    def on_epoch_end(self):
        if self._rng is not None:
            self._rng.shuffle(self._starts)


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """Batches of sliding windows over ``data`` (``keras.utils.timeseries_dataset_from_array``).

    Window ``j`` starts at ``start_index + j * sequence_stride`` and holds
    ``sequence_length`` steps taken every ``sampling_rate`` steps; its target
    is ``targets[start]`` (the target of the step the window starts at).
    Windows that would run past ``end_index`` are left out.

    Parameters
    ----------
    data : array_like
        Consecutive data points, time on axis 0.
    targets : array_like or None
        ``targets[i]`` goes with the window starting at ``i``; None to yield
        the windows alone.
    sequence_length : int
        Steps per window.
    sequence_stride : int, default=1
        Steps between the starts of successive windows.
    sampling_rate : int, default=1
        Steps between two steps of one window.
    batch_size : int or None, default=128
        Windows per batch (the last may be smaller); None yields single windows.
    shuffle : bool, default=False
        Draw the windows in random order (a new order each epoch).
    seed : int, optional
        Seed of the shuffling.
    start_index, end_index : int, optional
        Only the steps ``start_index <= t < end_index`` are used.

    Returns
    -------
    TimeseriesDataset
        A :class:`~skdeep.nn.utils.PyDataset` of ``(x, y)`` NumPy batches
        (or ``x`` batches without targets).

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.utils import timeseries_dataset_from_array
    >>> ds = timeseries_dataset_from_array(np.arange(10), np.arange(10) * 10,
    ...                                    sequence_length=3, batch_size=4)
    >>> len(ds)
    2
    >>> x, y = ds[0]
    >>> x.tolist(), y.tolist()
    ([[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]], [0, 10, 20, 30])
    """
    data = np.asarray(data)
    if data.ndim == 0:
        raise ValueError("`data` must have a time axis (axis 0); got a scalar")
    n = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: "
                             f"start_index={start_index}")
        if start_index >= n:
            raise ValueError(f"`start_index` must be lower than the length of the data. "
                             f"Received: start_index={start_index}, for data of length {n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index}")
        if end_index >= n:
            raise ValueError(f"`end_index` must be lower than the length of the data. "
                             f"Received: end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: "
                             f"end_index={end_index}")
    sequence_length = _positive_int("sequence_length", sequence_length)
    sampling_rate = _positive_int("sampling_rate", sampling_rate)
    sequence_stride = _positive_int("sequence_stride", sequence_stride)
    if sampling_rate >= n:
        raise ValueError(f"`sampling_rate` must be lower than the length of the data. "
                         f"Received: sampling_rate={sampling_rate}, for data of length {n}")
    if sequence_stride >= n:
        raise ValueError(f"`sequence_stride` must be lower than the length of the data. "
                         f"Received: sequence_stride={sequence_stride}, for data of length {n}")
    if batch_size is not None:
        batch_size = _positive_int("batch_size", batch_size)
    start = start_index or 0
    end = n if end_index is None else end_index
    count = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        if targets.ndim == 0:
            raise ValueError("`targets` must have a time axis (axis 0); got a scalar")
        count = min(count, len(targets) - start)
    if count <= 0:
        raise ValueError(f"No full window of sequence_length={sequence_length} and "
                         f"sampling_rate={sampling_rate} fits in steps [{start}, {end})")
    starts = np.arange(start, start + count, sequence_stride)
    rng = None
    if shuffle:
        rng = np.random.RandomState(np.random.randint(1e6) if seed is None else seed)
        rng.shuffle(starts)
    offsets = np.arange(0, sequence_length * sampling_rate, sampling_rate)
    return TimeseriesDataset(data, targets, starts, offsets, batch_size, rng)
