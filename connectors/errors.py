"""The one error tree of Boussole.

It lives in the lowest layer so that every package can raise it without importing
anything to its right. Each error carries a stable ``code`` (for API clients and
tests) and a message a person can act on.
"""


class BoussoleError(Exception):
    """Base of every error Boussole reports to a person."""

    code = "erreur"
    http_status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigurationError(BoussoleError):
    """Settings that cannot work together or cannot be read."""

    code = "configuration_invalide"
    http_status = 500


class SourceError(BoussoleError):
    """A whole source (folder, server) cannot be read."""

    code = "source_illisible"


class DocumentError(BoussoleError):
    """One document cannot be read; the run skips it and goes on."""

    code = "document_illisible"

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path} : {reason}")
        self.path = path
        self.reason = reason


class ModelError(BoussoleError):
    """The embedding model is missing or cannot be loaded."""

    code = "modele_indisponible"
    http_status = 503


class IndexUnavailableError(BoussoleError):
    """The index is missing, locked, or the Qdrant server cannot be reached."""

    code = "index_indisponible"
    http_status = 503


class InvalidQueryError(BoussoleError):
    """A query that cannot be run as asked."""

    code = "requete_invalide"
    http_status = 400
