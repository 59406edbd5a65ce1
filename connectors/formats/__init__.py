"""Parsers turning one file's bytes into titled, cited sections."""
