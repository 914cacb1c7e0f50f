"""The one definition of the version: package metadata, datapackage.json, CITATION.cff and cite()."""

__version__ = "0.3.0"
