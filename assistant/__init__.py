"""Retrieval service, settings (composition root), API and CLI."""
