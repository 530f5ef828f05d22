"""nnstudio: a desktop studio for learning how neural networks work from the inside."""

__version__ = "0.1.0"
