"""Fetching URLs politely and safely (httpx): only http and https; hosts that resolve to
private, loopback or link-local addresses refused unless ``allow_private_addresses``;
redirects followed one by one and checked the same way; connect and read timeouts and a
deadline per response; retries with exponential backoff on timeouts, connection errors,
429 and 5xx; a size cap; at most ``fetch_rate_per_host`` requests a second to a host;
an identifying User-Agent; robots.txt obeyed; conditional requests from :mod:`warehouse.fetch_state`.
"""
from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from newsevents.config import Settings
from tasks.ingest.records import InputError
from warehouse.fetch_state import FetchState

MAX_REDIRECTS = 5
RETRY_STATUS = {429, 500, 502, 503, 504}


@dataclass
class Response:
    url: str  # after redirects
    content_type: str
    body: bytes
    not_modified: bool = False  # the body is the one fetched before (304)


def fail(reason: str, detail: str) -> InputError:
    """A fetch failure: not recorded as seen, so the next run tries the URL again."""
    return InputError(reason, detail, None, stage="fetch")


class Fetcher:
    """One fetching session: a connection pool, per-host clocks, robots.txt rules and fetch state."""

    def __init__(self, settings: Settings, state: FetchState):
        self.settings = settings
        self.state = state
        timeout = httpx.Timeout(settings.fetch_timeout_seconds, connect=settings.fetch_timeout_seconds)
        self.client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False,
                                   headers={"User-Agent": settings.fetch_user_agent})
        self.last_request: dict[str, float] = {}
        self.robots: dict[str, RobotFileParser | None] = {}
        self.robots_unavailable: set[str] = set()

    def close(self) -> None:
        self.client.close()

    def get(self, url: str) -> Response:
        """The body at ``url`` (conditional when fetched before); raises :class:`InputError`."""
        etag, modified = self.state.validators(url)
        headers = {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", modified)) if v}
        seen = [url]
        current = url
        while True:
            self.check_url(current)
            if not self.allowed_by_robots(current):
                why = ("did not answer (or answered 5xx), so the site is not fetched now; run again later"
                       if _origin(current) in self.robots_unavailable else
                       f"disallows {current} for {self.settings.fetch_user_agent!r}; nothing to replay unless the site allows it")
                raise fail("robots_disallowed", f"robots.txt of {_origin(current)} {why}")
            status, response_headers, body = self.request(current, headers if current == url else {})
            if status in (301, 302, 303, 307, 308):
                target = urljoin(current, response_headers.get("location", ""))
                if target in seen:
                    raise fail("redirect_loop", f"redirect loop: {' -> '.join(seen + [target])}; fix the URL and run again")
                if len(seen) > MAX_REDIRECTS:
                    raise fail("too_many_redirects", f"more than {MAX_REDIRECTS} redirects from {url}; give the final URL and run again")
                seen.append(target)
                current = target
                continue
            break
        if status == 304:
            cached = self.state.body(url)
            if cached is not None:
                return Response(current, cached[1] or "", cached[0], not_modified=True)
            raise fail("http_304", f"{url} answered 304 Not Modified but no earlier body is in the lake; run again")
        if status != 200:
            raise fail(f"http_{status}", f"{current} answered HTTP {status}; run again once it serves the page")
        content_type = response_headers.get("content-type", "")
        self.state.remember(url, response_headers.get("etag"), response_headers.get("last-modified"), content_type, body)
        return Response(current, content_type, body)

    def check_url(self, url: str) -> None:
        """Refuse other schemes and (unless allowed) hosts with private, loopback or link-local addresses."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise fail("unsupported_url", f"{url}: only http:// and https:// URLs with a host are fetched")
        if self.settings.allow_private_addresses:
            return
        try:
            infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise fail("unresolvable_host", f"{parts.hostname}: {exc}; check the URL and run again") from exc
        for info in infos:
            address = ipaddress.ip_address(info[4][0].split("%")[0])
            if not address.is_global:
                raise fail("private_address", f"{parts.hostname} resolves to {address} (private, loopback or link-local), "
                           "which is refused; set NEWSEVENTS_ALLOW_PRIVATE_ADDRESSES=1 to allow it and run again")

    def allowed_by_robots(self, url: str) -> bool:
        """robots.txt of the URL's origin, fetched once per session (none, or 4xx: everything allowed)."""
        origin = _origin(url)
        if origin not in self.robots:
            rules: RobotFileParser | None = None
            try:
                status, _, body = self.request(origin + "/robots.txt", {}, retries=0)
            except InputError:
                status, body = 0, b""
            if status == 200:
                rules = RobotFileParser()
                rules.parse(body.decode("utf-8", "replace").splitlines())
            elif not 400 <= status < 500:  # unreachable or 5xx: the site may not be crawled now (RFC 9309)
                rules = RobotFileParser()
                rules.disallow_all = True
                self.robots_unavailable.add(origin)
            self.robots[origin] = rules
        rules = self.robots[origin]
        return rules is None or rules.can_fetch(self.settings.fetch_user_agent, url)

    def request(self, url: str, headers: dict[str, str], retries: int | None = None) -> tuple[int, httpx.Headers, bytes]:
        """One GET (retried with backoff): status, headers and the body up to the size cap."""
        retries = self.settings.fetch_retries if retries is None else retries
        for attempt in range(retries + 1):
            try:
                status, response_headers, body = self._once(url, headers)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                if attempt == retries:
                    reason = "timeout" if isinstance(exc, httpx.TimeoutException) else "connection_failed"
                    raise fail(reason, f"{url}: {type(exc).__name__} {exc} after {attempt + 1} attempts "
                               f"(timeout {self.settings.fetch_timeout_seconds} s); run again later") from exc
            else:
                if status not in RETRY_STATUS or attempt == retries:
                    return status, response_headers, body
            time.sleep(self.settings.fetch_backoff_seconds * 2**attempt)
        raise AssertionError("unreachable")

    def _once(self, url: str, headers: dict[str, str]) -> tuple[int, httpx.Headers, bytes]:
        self._wait_for_turn(urlsplit(url).netloc)
        cap = self.settings.fetch_max_bytes
        deadline = time.monotonic() + self.settings.fetch_timeout_seconds * 10
        with self.client.stream("GET", url, headers=headers) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > cap:
                raise fail("too_large", f"{url}: {declared} bytes, more than fetch_max_bytes={cap}; raise NEWSEVENTS_FETCH_MAX_BYTES and run again")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > cap:
                    raise fail("too_large", f"{url}: more than fetch_max_bytes={cap} bytes; raise NEWSEVENTS_FETCH_MAX_BYTES and run again")
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout(f"body not complete after {self.settings.fetch_timeout_seconds * 10:.0f} s")
            return response.status_code, response.headers, bytes(body)

    def _wait_for_turn(self, host: str) -> None:
        """Sleep so that requests to one host are at least 1 / fetch_rate_per_host seconds apart."""
        gap = 1.0 / self.settings.fetch_rate_per_host
        wait = self.last_request.get(host, -gap) + gap - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self.last_request[host] = time.monotonic()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
