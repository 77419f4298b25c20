"""Which provider key a manifest entry declares: by ``provider_key_id``, by the provider's
redacted hint of the entry's secret, or by its unique name; and how hints are shown.

Nothing here does I/O, and neither a secret nor a provider's hint ever reaches a message:
reports show :func:`shown_hint`, byok-ci's own form. docs/usage.md#matching-keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from byok_ci.drift.secrets import override_variable
from byok_ci.manifest.model import KeyEntry
from byok_ci.usage.model import ProviderKey, Snapshot

_ELISION = re.compile(r"\.\.\.|…|\*+")
# A provider hint compared with a resolved secret must show this many characters beyond the
# key's fixed prefix, or it tells too little to pick a key (docs/usage.md#matching-keys).
MIN_HINT_CHARS = 4


def shown_hint(hint: str, prefixes: Iterable[str]) -> str:
    """A provider's redacted form (``sk-abc...wxyz``, ``sk-ant-api03-R2D...igAA``) in byok-ci's
    own: the key's fixed prefix and its last four characters, nothing of the random part."""
    if not hint:
        return ""
    prefix = max((p for p in prefixes if p and hint.startswith(p)), key=len, default="")
    parts = _ELISION.split(hint)
    tail = parts[-1][-4:] if len(parts[-1]) >= 4 and len(parts) > 1 else ""
    return f"{prefix}…{tail}"


def hint_matches(hint: str, secret: str, prefixes: Iterable[str] = ()) -> bool | None:
    """Whether a provider's redacted form (``sk-ant-api03-R2D...igAA``) can be that of
    ``secret``: its head starts the secret and its tail ends it. None when the hint tells too
    little: not one head and one tail around a single elision, or fewer than
    :data:`MIN_HINT_CHARS` characters beyond the key's fixed prefix. Neither is ever shown."""
    parts = _ELISION.split(hint)
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return None
    head, tail = parts
    fixed = max((len(p) for p in prefixes if p and head.startswith(p)), default=0)
    if len(head) - fixed + len(tail) < MIN_HINT_CHARS:
        return None
    return len(secret) >= len(head) + len(tail) and secret.startswith(head) and secret.endswith(tail)


@dataclass(frozen=True)
class Match:
    """The provider key a manifest entry declares, how it was found (``how``), or why none was.

    ``candidates`` are the keys it could be when they cannot be told apart: the entry is then
    neither found nor missing (inconclusive), and none of them is reported unmanaged.
    """

    key: ProviderKey | None
    how: str
    candidates: tuple[ProviderKey, ...] = ()

    @property
    def claims(self) -> set[str]:
        """The provider key ids this entry may declare."""
        return {k.id for k in ((self.key,) if self.key else self.candidates)}


def match_key(entry: KeyEntry, snapshot: Snapshot, secret: str | None = None,
              prefixes: Iterable[str] = ()) -> Match:
    """The provider key a manifest entry declares: by ``provider_key_id``; else, when the
    entry's secret is available to the run (``secret``), by the provider's redacted hint of it
    (narrowed by name when several hints fit); else by its unique name. Keys that cannot be
    told apart are candidates, never a guess."""
    provider = snapshot.provider
    if entry.provider_key_id:
        found = [k for k in snapshot.keys if k.id == entry.provider_key_id]
        return Match(found[0], "by provider_key_id") if found else Match(
            None, f"no {provider} key has id {entry.provider_key_id}")
    named = [k for k in snapshot.keys if k.name == entry.name]
    advice = "set provider_key_id"
    if secret is None:
        advice += (f", or give the run the key's secret ({override_variable(entry.name)}) to match it by the "
                   "provider's hint")
    else:
        fits = [k for k in snapshot.keys if hint_matches(k.hint, secret, prefixes)]
        if len(fits) == 1:
            other = f"; the provider names it '{fits[0].name}'" if fits[0].name != entry.name else ""
            return Match(fits[0], f"by the provider's hint of its secret{other}")
        if fits:
            both = [k for k in fits if k.name == entry.name]
            if len(both) == 1:
                return Match(both[0], "by the provider's hint of its secret and its name")
            return Match(None, f"the hints of {len(fits)} {provider} keys ({', '.join(k.id for k in fits)}) fit the "
                         f"key's secret: {advice}", tuple(fits))
        contradicted = [k for k in named if hint_matches(k.hint, secret, prefixes) is False]
        named = [k for k in named if k not in contradicted]
        if contradicted and not named:
            return Match(None, f"{provider} key {', '.join(k.id for k in contradicted)} is named {entry.name}, but "
                         "its hint does not fit the key's secret: the secret may hold another key (rotated, or "
                         f"deleted at the provider); {advice}", tuple(contradicted))
        if not named and not contradicted:
            return Match(None, f"no {provider} key is named {entry.name}, and no {provider} key's hint fits the "
                         f"key's secret ({advice})")
    if len(named) == 1:
        return Match(named[0], "by its name")
    if named:
        return Match(None, f"{len(named)} {provider} keys ({', '.join(k.id for k in named)}) are named "
                     f"{entry.name}: {advice}", tuple(named))
    return Match(None, f"no {provider} key is named {entry.name} ({advice})")
