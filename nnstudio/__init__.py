"""nnstudio: a desktop studio for learning how neural networks work from the inside."""

from .blas_cpu import choose_openblas_kernels

__version__ = "0.1.0"

# before anything imports NumPy (see blas_cpu.py)
choose_openblas_kernels()
