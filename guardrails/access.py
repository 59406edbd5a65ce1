"""Who may read what: access groups given to documents, and the readers who ask.

Every document is indexed with its access groups (payload ``access_groups``), decided once
by an ``AccessPolicy``: the first settings rule that matches its path, source or kind,
else the groups of the source it came from, else the default of its kind (catalogue
records and procedures ``public``, conventions the DPO and legal department). A
``Reader`` is the person or application asking; searches are filtered on their groups
inside the index query, so a document outside them is never retrieved at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from connectors.base import SourceDocument

PUBLIC = "public"  # the group every reader belongs to, signed in or not


@dataclass(frozen=True)
class AccessRule:
    """Documents that match every given criterion get ``groups``.

    ``path`` is a glob on the path relative to the indexed root (``conventions/*``,
    ``procedures/rh/**``; ``*`` crosses folders), ``source`` a declared source's name,
    ``kind`` a document kind.
    """

    groups: tuple[str, ...]
    path: str | None = None
    source: str | None = None
    kind: str | None = None

    def matches(self, source_path: str, kind: str, source: str | None) -> bool:
        """Whether a document with these traits falls under the rule."""
        return (
            (self.path is None or fnmatchcase(source_path, self.path))
            and (self.source is None or self.source == source)
            and (self.kind is None or self.kind == kind)
        )


DEFAULT_GROUPS: Mapping[str, tuple[str, ...]] = {
    "procedure": (PUBLIC,),
    "catalogue": (PUBLIC,),
    "convention": ("dpo", "juridique"),
    "warehouse": (PUBLIC,),
}


@dataclass(frozen=True)
class AccessPolicy:
    """The access groups of each document, from rules, its source, then its kind."""

    rules: tuple[AccessRule, ...] = ()
    defaults: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_GROUPS))
    sensitive: tuple[str, ...] = ("dpo",)  # documents marked sensitive by their source

    def groups_for(self, document: SourceDocument) -> tuple[str, ...]:
        """The groups ``document`` is indexed with (never empty for a known kind).

        A document its source marks sensitive (``metadata["sensitive"]``: a warehouse table
        the data dictionary flags) gets the sensitive groups, whatever the rules say. A kind
        with no default gets no group: only an unrestricted reader sees it.
        """
        if document.metadata.get("sensitive"):
            return normalise_groups(self.sensitive)
        source = document.metadata.get("source")
        for rule in self.rules:
            if rule.matches(document.source_path, document.kind, source):
                return normalise_groups(rule.groups)
        if document.access_groups:  # the declared source's groups
            return normalise_groups(document.access_groups)
        return normalise_groups(self.defaults.get(document.kind, ()))

    @property
    def fingerprint(self) -> str:
        """Changes when any rule or default changes (files are then read again)."""
        shape = [
            [[rule.path, rule.source, rule.kind, list(rule.groups)] for rule in self.rules],
            {kind: list(groups) for kind, groups in sorted(self.defaults.items())},
            list(self.sensitive),
        ]
        return hashlib.sha256(json.dumps(shape).encode()).hexdigest()[:12]


def normalise_groups(groups: Iterable[str]) -> tuple[str, ...]:
    """Group names as stored and compared: trimmed, lower case, sorted, once each."""
    return tuple(sorted({group.strip().lower() for group in groups if group.strip()}))


@dataclass(frozen=True)
class Reader:
    """Who asks: a signed-in person, an application with an API key, or nobody known.

    ``unrestricted`` is the operator at the server's command line (who can read the files
    anyway); every other reader sees the ``public`` documents and those of their groups.
    """

    name: str
    groups: tuple[str, ...] = ()
    unrestricted: bool = False

    @classmethod
    def anonymous(cls) -> Reader:
        """A caller with no identity: public documents only."""
        return cls("anonyme")

    @classmethod
    def operator(cls) -> Reader:
        """The command line on the server, without ``--as-user``: everything."""
        return cls("operateur", unrestricted=True)

    @classmethod
    def of(cls, name: str, groups: Sequence[str]) -> Reader:
        """A named reader and their groups."""
        return cls(name, normalise_groups(groups))

    def allowed(self) -> tuple[str, ...] | None:
        """The access groups this reader may see; None when unrestricted."""
        if self.unrestricted:
            return None
        return normalise_groups((PUBLIC, *self.groups))

    def can_see(self, access_groups: Iterable[str]) -> bool:
        """Whether a document with these access groups is visible to this reader."""
        allowed = self.allowed()
        return allowed is None or bool(set(allowed) & set(normalise_groups(access_groups)))
