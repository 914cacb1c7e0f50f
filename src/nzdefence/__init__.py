"""nzdefence: hand-verified tables of New Zealand's defence and foreign-policy alignment.

>>> import nzdefence
>>> nzdefence.tables()
>>> exercises = nzdefence.load("exercises", evidence=True)
>>> nzdefence.evidence("exercises")
>>> print(nzdefence.passage("003_8a1f498d118ab299", 1230, 1297))
>>> nzdefence.cite()
"""

from ._version import __version__
from .citation import cite
from .load import load, tables
from .published import evidence, passage, source_text

__all__ = [
    "__version__",
    "cite",
    "evidence",
    "load",
    "passage",
    "source_text",
    "tables",
]
