"""Helpers the suite's test modules share, one module per idea; test modules import from here, never each other."""
