"""CommonGround: a multi-agency data analytics hub for crime prevention."""

__version__ = "0.1.0"
