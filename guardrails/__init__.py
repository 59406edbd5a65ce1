"""Guardrails applied to documents before they reach the index."""
