"""stridecam: phone video of a sprinter to a step-by-step biomechanics report."""

__version__ = "0.1.0"
