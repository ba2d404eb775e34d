"""Wiring and command line of the wirebeam pipeline."""
