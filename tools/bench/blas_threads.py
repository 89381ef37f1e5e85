"""The BLAS that this PyTorch process runs on, with its threads set to PyTorch's.

torch.set_num_threads sets PyTorch's own threads but not those of the OpenBLAS pthread build that
Debian's python3-torch loads (it keeps one thread per core): a one-thread comparison ran OpenBLAS
on two. set_threads sets both; report prints the libraries and the threads OpenBLAS will use, which
`backprop4j bench compare` checks against --threads.
"""
import ctypes

import torch


def loaded():
    """The BLAS and LAPACK libraries mapped into this process (the first product maps them)."""
    torch.rand(64, 64) @ torch.rand(64, 64)
    return sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l.lower() and ".so" in l})


def _openblas(libs):
    return [ctypes.CDLL(lib) for lib in libs if "libopenblas" in lib]


def set_threads(n):
    """PyTorch's threads and OpenBLAS's, both n."""
    torch.set_num_threads(n)
    for lib in _openblas(loaded()):
        lib.openblas_set_num_threads(n)


def report():
    """Prints "blas: LIBRARIES" and "blas threads: N" (OpenBLAS's threads; PyTorch's for another BLAS); returns the libraries."""
    libs = loaded()
    print("blas: " + (", ".join(libs) or "none found"))
    openblas = _openblas(libs)
    print("blas threads: %d" % (openblas[0].openblas_get_num_threads() if openblas else torch.get_num_threads()))
    return libs
