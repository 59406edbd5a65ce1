"""Connectors read sources and yield `SourceDocument`s; they know nothing of the index."""
