"""``PyDataset`` (alias ``Sequence``): batches produced by Python code.

A subclass implements ``__len__`` (the number of batches) and
``__getitem__(index)`` returning ``(x, y)``, ``(x, y, sample_weight)`` or
``(x,)``; ``fit``, ``evaluate`` and ``predict`` accept an instance as ``x``
and call ``on_epoch_begin`` / ``on_epoch_end`` around each pass.

``workers``, ``use_multiprocessing`` and ``max_queue_size`` are accepted
and stored as in Keras, but batches are always produced in the calling
thread, in order: the engine's kernels already use every core for one
batch, and a worker pool would only compete with them. A ``__getitem__``
doing slow I/O is the case where Keras' workers would help.
"""
import numbers

__all__ = ["PyDataset", "Sequence"]


class PyDataset:
    """Base class of a dataset of batches computed by Python code.

    Parameters
    ----------
    workers : int, default=1
        Accepted for Keras compatibility; batches are produced in order in
        the calling thread (see the module docstring).
    use_multiprocessing : bool, default=False
        Accepted for Keras compatibility; ignored.
    max_queue_size : int, default=10
        Accepted for Keras compatibility; ignored.

    Examples
    --------
    >>> import numpy as np
    >>> class Batches(PyDataset):
    ...     def __init__(self, x, y, batch_size, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.x, self.y, self.batch_size = x, y, batch_size
    ...     def __len__(self):
    ...         return int(np.ceil(len(self.x) / self.batch_size))
    ...     def __getitem__(self, idx):
    ...         s = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
    ...         return self.x[s], self.y[s]
    >>> data = Batches(np.zeros((10, 3)), np.zeros(10), batch_size=4, workers=2)
    >>> len(data), data[2][0].shape, data.workers
    (3, (2, 3), 2)
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        if isinstance(workers, bool) or not isinstance(workers, numbers.Integral) or workers < 0:
            raise ValueError(f"PyDataset: workers must be an integer >= 0, got {workers!r}")
        if isinstance(max_queue_size, bool) or not isinstance(max_queue_size, numbers.Integral) or \
                max_queue_size < 1:
            raise ValueError(f"PyDataset: max_queue_size must be an integer >= 1, got "
                             f"{max_queue_size!r}")
        self._workers = workers
        self._use_multiprocessing = bool(use_multiprocessing)
        self._max_queue_size = max_queue_size

    # Subclasses that forget super().__init__() still work, as in Keras
    @property
    def workers(self):
        return self.__dict__.get("_workers", 1)

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        return self.__dict__.get("_use_multiprocessing", False)

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        return self.__dict__.get("_max_queue_size", 10)

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index), "
                                  "returning the batch at that index")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__ (the number "
                                  "of batches)")

    @property
    def num_batches(self):
        """The number of batches (``len(self)``)."""
        return len(self)

    def on_epoch_begin(self):
        """Called before each pass over the batches."""

    def on_epoch_end(self):
        """Called after each pass over the batches (shuffle here)."""

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


#: Keras' older name of :class:`PyDataset` (``keras.utils.Sequence``)
Sequence = PyDataset
