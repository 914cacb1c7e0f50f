"""nzdefence: hand-verified tables of New Zealand's defence and foreign-policy alignment.

>>> import nzdefence
>>> nzdefence.tables()
>>> exercises = nzdefence.load("exercises")
>>> nzdefence.cite()
"""

# The one definition of the version: the package metadata, datapackage.json, CITATION.cff and
# cite() all read it from here.
__version__ = "0.1.0"

from .citation import cite
from .load import load, tables

__all__ = ["__version__", "cite", "load", "tables"]
