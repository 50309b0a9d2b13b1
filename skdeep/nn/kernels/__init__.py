"""Numba kernels: only ``@njit`` functions, one module per family.

The JIT policy lives in :data:`JIT` below: every kernel is compiled with
``cache=True`` and ``nogil=True``; kernels are serial unless a module says
otherwise, because alternating BLAS threads and Numba's parallel pool on few
cores costs more than it saves (see DESIGN.md).
"""
JIT = dict(cache=True, nogil=True)
