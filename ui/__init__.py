"""User interfaces built on the assistant.

Chainlit reads its configuration folder (``.chainlit/``, ``public/``) from
``CHAINLIT_APP_ROOT`` once, when it is first imported, and writes a default one there if
none exists. This package points it at ``ui/`` before any of its modules imports
Chainlit, so that the chat's French, offline configuration is the one read and nothing is
written elsewhere. A deployment may still choose another folder by setting the variable.
"""

import os
from pathlib import Path

UI_ROOT = Path(__file__).resolve().parent

os.environ.setdefault("CHAINLIT_APP_ROOT", str(UI_ROOT))
