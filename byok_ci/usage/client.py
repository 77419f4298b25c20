"""Reading a provider's admin API: one GET at a time through drift's HTTP client, with paging.

The admin key goes only where :func:`byok_ci.drift.endpoints.choose_base_url` allowed, in the
header the provider names, over a client that takes no proxy from the checkout or the
environment, with drift's timeouts, deadline, 429 handling and bounded answers. Any answer
that is not a usable page becomes :class:`~byok_ci.errors.AdminApiUnavailable`, its reason
scrubbed of the key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from byok_ci.drift.http import Limits, endpoint_of, send
from byok_ci.errors import AdminApiUnavailable

if TYPE_CHECKING:
    import httpx

    from byok_ci.drift.scrub import Scrubber

MAX_REPORT_BODY = 4 * 1024 * 1024  # a month of daily buckets grouped by key and model
MAX_PAGES = 60  # a cursor that never ends is a provider fault, not a reason to loop forever

Params = Sequence[tuple[str, str]]


@dataclass
class AdminClient:
    http: httpx.Client
    base_url: str
    headers: dict[str, str]
    limits: Limits
    deadline_at: float
    scrubber: Scrubber
    requests: int = 0

    def get(self, path: str, params: Params = ()) -> dict[str, Any]:
        """The JSON object at ``path``; AdminApiUnavailable saying why not."""
        from byok_ci.drift.engine import error_summary
        from byok_ci.drift.http import USER_AGENT

        url = self.base_url + path + ("?" + urlencode(list(params)) if params else "")
        request = {"method": "GET", "url": url,
                   "headers": {"User-Agent": USER_AGENT.replace("drift test", "usage"), "Accept": "application/json",
                               **self.headers}}
        exchange = send(self.http, request, limits=self.limits, deadline_at=self.deadline_at, scrubber=self.scrubber,
                        max_body=MAX_REPORT_BODY)
        self.requests += exchange.attempts
        where = f"GET {endpoint_of(self.base_url + path)}"
        status = exchange.status
        if status is None:
            raise AdminApiUnavailable(f"{where}: unreachable: {exchange.error}")
        summary = error_summary(exchange.text, self.scrubber) if status >= 300 else ""
        said = f" ({summary})" if summary else ""
        if status == 429:
            raise AdminApiUnavailable(f"{where}: {exchange.error or 'rate limited (429)'}")
        if status in (401, 403):
            raise AdminApiUnavailable(f"{where}: the admin key was refused ({status}): it is invalid or lacks the "
                                      f"permission to read this{said}", status)
        if 300 <= status < 400:
            raise AdminApiUnavailable(f"{where}: redirected ({status}); redirects are never followed with a key")
        if status >= 300:
            raise AdminApiUnavailable(f"{where}: answered {status}{said}")
        try:
            body = json.loads(exchange.text)
        except (ValueError, RecursionError):  # RecursionError: nested past the recursion limit
            raise AdminApiUnavailable(f"{where}: the answer is not JSON (or is larger than "
                                      f"{MAX_REPORT_BODY // (1024 * 1024)} MiB)") from None
        if not isinstance(body, dict) or not isinstance(body.get("data"), (list, dict)):
            raise AdminApiUnavailable(f"{where}: the answer has no 'data'")
        return body

    def items(self, path: str, params: Params) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """A page and its ``data`` list (AdminApiUnavailable when it is not a list)."""
        body = self.get(path, params)
        if not isinstance(body["data"], list):
            raise AdminApiUnavailable(f"GET {endpoint_of(self.base_url + path)}: the answer's 'data' is not a list")
        return body, [i for i in body["data"] if isinstance(i, dict)]

    def report(self, path: str, params: Params) -> Iterator[dict[str, Any]]:
        """Every bucket of a usage or cost report, following ``next_page`` while ``has_more``."""
        page: str | None = None
        for _ in range(MAX_PAGES):
            body, buckets = self.items(path, [*params, *((("page", page),) if page else ())])
            yield from buckets
            page = body.get("next_page")
            if not body.get("has_more") or not isinstance(page, str) or not page:
                return
        raise AdminApiUnavailable(f"GET {endpoint_of(self.base_url + path)}: more than {MAX_PAGES} pages")

    def listing(self, path: str, params: Params, cursor: str) -> list[dict[str, Any]]:
        """Every item of a list endpoint, passing ``cursor`` (``after``, ``after_id``) the last id."""
        items: list[dict[str, Any]] = []
        after: str | None = None
        for _ in range(MAX_PAGES):
            body, page = self.items(path, [*params, *(((cursor, after),) if after else ())])
            items.extend(page)
            after = body.get("last_id")
            if not body.get("has_more") or not isinstance(after, str) or not after:
                return items
        raise AdminApiUnavailable(f"GET {endpoint_of(self.base_url + path)}: more than {MAX_PAGES} pages")
