"""gen5: an independent synthetic CDR generator (German mobile operator, winter 2025) with fraud labels."""

from .core import GENERATOR, generate

__all__ = ["GENERATOR", "generate"]
