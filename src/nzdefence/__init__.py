"""nzdefence: hand-verified tables of New Zealand's defence and foreign-policy alignment.

>>> import nzdefence
>>> nzdefence.tables()
>>> exercises = nzdefence.load("exercises")
>>> nzdefence.cite()
"""

from ._version import __version__
from .citation import cite
from .load import load, tables

__all__ = ["__version__", "cite", "load", "tables"]
