"""User interfaces built on the assistant."""
