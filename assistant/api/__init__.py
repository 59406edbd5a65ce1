"""The HTTP API: ``create_app(settings)`` builds everything; nothing happens at import.

``app.py`` assembles it; ``routes/`` holds one router per resource, given the runtime
(``assistant/runtime.py``) and the caller by ``deps.py``; ``schemas.py`` the bodies;
``errors.py`` the one error shape; ``docs.py`` the documentation pages, served offline.
"""

from assistant.api.app import create_app

__all__ = ["create_app"]
