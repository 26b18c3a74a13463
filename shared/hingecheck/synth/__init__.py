"""Generated test, demo and benchmark clips."""
