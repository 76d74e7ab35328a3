"""gen3: an independent synthetic CDR generator (India +91, IST +05:30) with labels.

Run ``python -m load.gen3 --out DIR --seed N [--subscribers K] [--hours H]``; see README.md here.
"""

from .generate import generate

__all__ = ["generate"]
