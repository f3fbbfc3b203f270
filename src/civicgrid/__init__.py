"""civicgrid: an open platform for grid-based governance and citizen services."""

__version__ = "0.1.0"
