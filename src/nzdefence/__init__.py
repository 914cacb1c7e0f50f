"""nzdefence: hand-verified tables of New Zealand's defence and foreign-policy alignment.

>>> import nzdefence
>>> nzdefence.tables()
>>> exercises = nzdefence.load("exercises")
"""

__version__ = "0.1.0"

from .load import load, tables

__all__ = ["__version__", "load", "tables"]
