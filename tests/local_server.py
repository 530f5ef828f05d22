"""A local HTTP server on 127.0.0.1 for the download tests of the CLI and the window.

``http_server`` (a fixture; import it into a test module) serves ``server.files`` (name →
bytes) under ``server.url``; ``server.cut[name] = n`` sends only n bytes of a longer body
(an interrupted transfer); ``server.slow[name] = s`` sleeps s seconds between 4 KiB pieces
(time to press Cancel). ``toy_remote(files)`` describes served files as a RemoteSet.
"""

from __future__ import annotations

import hashlib
import http.server
import threading
import time

import pytest

from nnstudio.data import RemoteFile, RemoteSet

PIECE = 4096


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server API
        name = self.path.rsplit("/", 1)[-1]
        self.server.requests.append(name)
        body = self.server.files.get(name)
        if body is None:
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        cut = self.server.cut.get(name)
        body = body if cut is None else body[:cut]
        delay = self.server.slow.get(name, 0.0)
        try:
            for start in range(0, len(body), PIECE):
                if self.server.stopping.is_set():
                    break
                self.wfile.write(body[start:start + PIECE])
                self.wfile.flush()
                if delay:
                    time.sleep(delay)
        except (BrokenPipeError, ConnectionResetError):
            pass                              # the client gave up (cancelled): fine
        self.close_connection = True

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def http_server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.files, httpd.cut, httpd.slow, httpd.requests = {}, {}, {}, []
    httpd.stopping = threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/sets/"
    yield httpd
    httpd.stopping.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def toy_remote(files: dict[str, bytes], name: str = "toy-set", **md5_overrides) -> RemoteSet:
    """A RemoteSet for ``files`` with their true MD5s unless overridden by file name."""
    entries = tuple(
        RemoteFile(n, md5_overrides.get(n, hashlib.md5(body).hexdigest()), len(body))
        for n, body in files.items())
    return RemoteSet(name=name, title="Toy Set", base_url="http://invalid.example/",
                     files=entries, class_names=("a", "b"), citation="A. Author, Toys (2026)",
                     license="CC0", description="Two small files for the tests.")


def listing(folder) -> list[str]:
    """Every name in ``folder``, hidden temporary files included."""
    return sorted(p.name for p in folder.iterdir())
