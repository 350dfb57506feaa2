"""A real HTTP file server on 127.0.0.1 for the tests: Python's threaded ``http.server`` serving
one folder, with single-range ``Range`` requests (RFC 9110 section 14), optional HTTP Basic
authentication, and a count of the bytes and requests it served, so a test can tell how much of
a file a reader fetched."""

from __future__ import annotations

import http.server
import os
import re
import threading
from pathlib import Path
from typing import Self

__all__ = ["RangeServer"]

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeServer:
    """``with RangeServer(folder) as server:`` serves ``folder`` at ``server.url``."""

    def __init__(self, folder: Path, auth: tuple[str, str] | None = None):
        self.folder = Path(folder)
        expected = None
        if auth is not None:
            import base64

            expected = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        self.bytes_served: dict[str, int] = {}
        self.requests: list[tuple[str, str, str | None]] = []  # (method, path, Range header)
        self._lock = threading.Lock()
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms waits between header and body writes

            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(server.folder), **kwargs)

            def log_message(self, *args):  # quiet
                pass

            def do_HEAD(self):
                self._serve(body=False)

            def do_GET(self):
                self._serve(body=True)

            def _serve(self, body: bool):
                path = self.translate_path(self.path)
                with server._lock:
                    server.requests.append((self.command, self.path, self.headers.get("Range")))
                if expected is not None and self.headers.get("Authorization") != expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="data"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if not os.path.isfile(path):
                    self.send_error(404)
                    return
                size = os.path.getsize(path)
                start, end, status = 0, size, 200
                wanted = self.headers.get("Range")
                if wanted:
                    m = _RANGE.match(wanted.strip())
                    if not m or (not m.group(1) and not m.group(2)):
                        self.send_error(416)
                        return
                    if m.group(1):
                        start = int(m.group(1))
                        end = min(size, int(m.group(2)) + 1) if m.group(2) else size
                    else:  # the last n bytes
                        start = max(0, size - int(m.group(2)))
                    if start >= size or start >= end:
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{size}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    status = 206
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Length", str(end - start))
                if status == 206:
                    self.send_header("Content-Range", f"bytes {start}-{end - 1}/{size}")
                self.end_headers()
                if not body:
                    return
                name = os.path.relpath(path, server.folder)
                with open(path, "rb") as f:
                    f.seek(start)
                    left = end - start
                    while left > 0:
                        chunk = f.read(min(left, 1 << 16))
                        # Counted before it is sent: counted after, a client that has all its
                        # bytes may go on (and the test reset the count) before this thread
                        # adds them, which put a previous request's bytes in the next count.
                        with server._lock:
                            server.bytes_served[name] = server.bytes_served.get(name, 0) + len(
                                chunk
                            )
                        try:
                            self.wfile.write(chunk)
                        except (BrokenPipeError, ConnectionResetError):  # the client hung up
                            self.close_connection = True
                            return
                        left -= len(chunk)

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def reset(self) -> None:
        with self._lock:
            self.bytes_served.clear()
            self.requests.clear()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)
