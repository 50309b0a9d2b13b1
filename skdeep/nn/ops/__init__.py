"""``keras.ops`` on NumPy, differentiated automatically.

Every function takes NumPy arrays, Python numbers, layer weights or the
tensors a custom ``call()`` receives, with Keras 3's names, signatures and
broadcasting. On plain arrays they return plain arrays. While the engine
runs a custom layer's ``call()``, they record onto a tape, and the engine
replays the tape backwards to train the layer (see :mod:`skdeep.nn.ops._core`).

See ``docs/ops.md`` for the list of ops and their Keras counterparts.

Examples
--------
>>> import numpy as np
>>> from skdeep.nn import ops
>>> ops.sum(ops.square(np.array([1.0, 2.0])))
np.float64(5.0)
>>> ops.softmax(np.zeros((1, 2))).tolist()
[[0.5, 0.5]]
"""
from . import creation, elementwise, linalg, manipulation, nn, reduce
from ._core import OPS, Tape, Tensor
from .creation import *
from .elementwise import *
from .linalg import *
from .manipulation import *
from .nn import *
from .reduce import *

__all__ = (creation.__all__ + elementwise.__all__ + linalg.__all__ + nn.__all__ +
           reduce.__all__ + manipulation.__all__ + ["Tensor", "Tape", "OPS"])
