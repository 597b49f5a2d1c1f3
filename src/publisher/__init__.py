"""publisher: check, render, schedule and publish a content calendar
to Chinese social platforms and Product Hunt."""

__version__ = "0.1.0"
