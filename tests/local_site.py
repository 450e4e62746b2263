"""A real HTTP server on 127.0.0.1 for the fetch tests: routes map a path to a status,
headers and body (or a function of the request); every request is recorded."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


@dataclass
class Page:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the body is sent (a slow server)


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    at: float


class LocalSite:
    def __init__(self):
        self.routes: dict[str, Page | Callable[[Request], Page]] = {}
        self.requests: list[Request] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                request = Request(self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic())
                site.requests.append(request)
                route = site.routes.get(self.path, Page(b"not here", 404))
                page = route(request) if callable(route) else route
                self.send_response(page.status)
                for key, value in page.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(page.body)))
                self.end_headers()
                if page.delay:
                    time.sleep(page.delay)
                try:
                    self.wfile.write(page.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "LocalSite":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]


def write_warc(path, pages: list[tuple[str, bytes]], date: str = "2024-05-20T10:00:00Z", content_type: str = "text/html; charset=utf-8") -> None:
    """A gzipped WARC file of HTTP responses (a request record before each, as crawlers write)."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=str(path).endswith(".gz"))
        for uri, body in pages:
            request = writer.create_warc_record(uri, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"), length=18,
                                                warc_headers_dict={"WARC-Date": date})
            writer.write_record(request)
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(body), length=len(body),
                                                          http_headers=headers, warc_headers_dict={"WARC-Date": date}))
