"""The Keras-Sequence-like iterator returned by ``ImageDataGenerator.flow``."""
import math

import numpy as np


class NumpyArrayIterator:
    """Batches of augmented images from in-memory arrays.

    Behaves as a Keras ``Sequence``: ``len(it)`` batches per epoch,
    ``it[i]`` is batch ``i`` of the current epoch, ``on_epoch_end()``
    reshuffles, and iterating yields one epoch. ``model.fit(it, epochs=...)``
    takes it directly (``steps_per_epoch`` is optional).

    Batch ``i`` of epoch ``e`` depends only on ``(seed, e, i)``, so batches
    are reproducible whatever the order in which they are requested.
    """

    def __init__(self, generator, x, y=None, batch_size=32, shuffle=True, sample_weight=None,
                 seed=None):
        x = _check_images(x, "ImageDataGenerator.flow")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or \
                batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        n = x.shape[0]
        if n == 0:
            raise ValueError("ImageDataGenerator.flow got no images")
        if y is not None:
            y = np.asarray(y)
            if y.shape[0] != n:
                raise ValueError(f"x and y have different numbers of samples: {n} images and "
                                 f"{y.shape[0]} targets")
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=float)
            if sample_weight.shape != (n,):
                raise ValueError(f"sample_weight must have shape ({n},), got "
                                 f"{sample_weight.shape}")
        self.image_data_generator = generator
        self.x = np.asarray(x, dtype=generator.dtype)
        self.y = y
        self.sample_weight = sample_weight
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.n = n
        # without a seed, draw one now: the iterator is still self-consistent
        self.seed = int(np.random.default_rng().integers(2**31)) if seed is None else int(seed)
        self.epoch = 0
        self._order = None
        self._set_order()

    def _set_order(self):
        if self.shuffle:
            self._order = np.random.default_rng([self.seed, self.epoch, 0]).permutation(self.n)
        else:
            self._order = np.arange(self.n)

    def __len__(self):
        return math.ceil(self.n / self.batch_size)

    def __getitem__(self, index):
        if not isinstance(index, (int, np.integer)):
            raise TypeError(f"batch index must be an integer, got {type(index).__name__}")
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"batch index {index} out of range for {len(self)} batches")
        idx = self._order[index * self.batch_size:(index + 1) * self.batch_size]
        rng = np.random.default_rng([self.seed, self.epoch, index + 1])
        gen = self.image_data_generator
        xb = gen._augment(self.x[idx], rng)
        xb = gen.standardize(xb) if _needs_standardize(gen) else xb
        if self.y is None:
            return xb
        if self.sample_weight is None:
            return xb, self.y[idx]
        return xb, self.y[idx], self.sample_weight[idx]

    def on_epoch_end(self):
        """Move to the next epoch: new shuffle and new random transforms."""
        self.epoch += 1
        self._set_order()

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


def _needs_standardize(gen):
    return (gen.rescale is not None or gen.preprocessing_function is not None
            or gen.samplewise_center or gen.samplewise_std_normalization
            or gen.featurewise_center or gen.featurewise_std_normalization)


def _check_images(x, what):
    try:
        x = np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what}: images could not be converted to an array: {exc}") from None
    if x.ndim != 4:
        raise ValueError(f"{what} expects images of rank 4 (samples, height, width, channels), "
                         f"got shape {x.shape}")
    if x.dtype.kind not in "biuf":
        raise ValueError(f"{what}: images must be numeric, got dtype {x.dtype}")
    return x
