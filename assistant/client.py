"""A small Python client of Boussole's API, for the applications that embed it.

    from assistant.client import BoussoleClient

    with BoussoleClient("http://boussole.interne:8000", api_key="bsl_…") as boussole:
        answer = boussole.ask("combien de temps pour obtenir un accès VPN ?")
        print(answer["text"], [c["display_path"] for c in answer["citations"]])

Every method returns the API's JSON as plain dictionaries; an error answer raises
``BoussoleApiError`` with the API's stable ``code`` and its French ``message``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date
from types import TracebackType
from typing import Any

import httpx

API_KEY_HEADER = "X-API-Key"


class BoussoleApiError(Exception):
    """An error answer of the API: HTTP status, stable code, French message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code} : {message}")
        self.status = status
        self.code = code
        self.message = message


class BoussoleClient:
    """Calls ``/search``, ``/ask``, ``/datasets`` and ``/conventions`` with an API key."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 60,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {API_KEY_HEADER: api_key} if api_key else {}
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout_s, transport=transport
        )

    def __enter__(self) -> BoussoleClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the connections."""
        self.http.close()

    def _json(self, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            raise BoussoleApiError(
                response.status_code,
                str(body.get("code") or "erreur"),
                str(body.get("message") or response.text[:200]),
            )
        return response.json()

    def search(
        self, query: str, *, k: int = 5, kinds: Sequence[str] = (), path_prefix: str | None = None
    ) -> dict[str, Any]:
        """Ranked passages with their citation fields."""
        filters: dict[str, Any] = {"kind": list(kinds)}
        if path_prefix:
            filters["path_prefix"] = path_prefix
        body = {"query": query, "k": k, "filters": filters}
        return self._json(self.http.post("/search", json=body))  # type: ignore[no-any-return]

    def ask(self, question: str, *, kinds: Sequence[str] = ()) -> dict[str, Any]:
        """A cited answer (or an abstention with the closest sources)."""
        body = {"question": question, "filters": {"kind": list(kinds)}}
        return self._json(self.http.post("/ask", json=body))  # type: ignore[no-any-return]

    def ask_stream(self, question: str, *, kinds: Sequence[str] = ()) -> Iterator[tuple[str, Any]]:
        """The answer as it is written: (event, data) for ``sources``, ``text``, ``answer``."""
        body = {"question": question, "filters": {"kind": list(kinds)}, "stream": True}
        with self.http.stream("POST", "/ask", json=body) as response:
            if response.status_code >= 400:
                response.read()
                self._json(response)
            event = None
            for line in response.iter_lines():
                if line.startswith("event: "):
                    event = line[len("event: ") :]
                elif line.startswith("data: ") and event:
                    data = json.loads(line[len("data: ") :])
                    if event == "error":
                        raise BoussoleApiError(500, data["code"], data["message"])
                    yield event, data

    def datasets(
        self, need: str, *, k: int = 10, theme: str | None = None, bbox: str | None = None
    ) -> dict[str, Any]:
        """Catalogue records and warehouse tables for a described need."""
        params: dict[str, Any] = {"q": need, "k": k}
        if theme:
            params["theme"] = theme
        if bbox:
            params["bbox"] = bbox
        return self._json(self.http.get("/datasets", params=params))  # type: ignore[no-any-return]

    def conventions(
        self,
        *,
        expiring_within: int | None = None,
        party: str | None = None,
        today: date | None = None,
    ) -> dict[str, Any]:
        """Rows of the conventions register the key's groups may see."""
        params: dict[str, Any] = {}
        if expiring_within is not None:
            params["expiring_within"] = expiring_within
        if party:
            params["party"] = party
        if today:
            params["today"] = today.isoformat()
        return self._json(self.http.get("/conventions", params=params))  # type: ignore[no-any-return]

    def search_conventions(self, question: str, *, k: int = 5) -> dict[str, Any]:
        """Conventions that answer a question (parties, dataset, end dates read from it)."""
        params: dict[str, Any] = {"q": question, "k": k}
        response = self.http.get("/conventions/search", params=params)
        return self._json(response)  # type: ignore[no-any-return]
