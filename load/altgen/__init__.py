"""Independent labeled CDR stream generator (second opinion on the detector); see README.md."""

from .stream import Config, generate

__all__ = ["Config", "generate"]
