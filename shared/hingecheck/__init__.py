"""hingecheck: judges the hip hinge in lift videos."""

__version__ = "0.1.0"
