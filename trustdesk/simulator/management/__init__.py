"""Management commands of the demo simulator."""
