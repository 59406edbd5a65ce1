"""Retrieval-quality measurement over question files (EVAL_FORMAT.md)."""
