"""nginx in front of a tiny upstream, for real (synaptic_core.class_proxy.nginx): skipped without nginx.

nginx is an optional system package, absent in CI: these tests skip there. Where it is installed
they start it with the class server's config in front of a stand-in for Streamlit (a thread that
answers pages, records what reached it, and answers a WebSocket upgrade with 101 and an echo), and
check what a browser relies on: Streamlit's bundles come from disk (byte for byte, cached a year,
never reaching the upstream), the page and the WebSocket reach the upstream with the client's
Host and address, and no path climbs out of the static folder or lists it.
"""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from synaptic_core.bench.appserver import free_port
from synaptic_core.class_proxy.nginx import nginx_binary, start_nginx
from synaptic_core.class_proxy.nginx_conf import STATIC_CACHE, ProxySettings, streamlit_static_dir, worker_user

pytestmark = pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed (optional system package)")

PAGE = b"<html><body>the tiny upstream's page</body></html>"


class Upstream(BaseHTTPRequestHandler):
    """A stand-in for Streamlit: records each request's path and headers."""

    seen: list[tuple[str, dict[str, str]]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        if self.headers.get("Upgrade", "").lower() == "websocket":
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.end_headers()
            self.wfile.flush()
            data = self.rfile.read1(1024)  # one message, echoed back: the tunnel works both ways
            self.wfile.write(b"echo:" + data)
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def proxy(tmp_path):
    Upstream.seen = []
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    thread = threading.Thread(target=upstream.serve_forever, daemon=True)
    thread.start()
    settings = ProxySettings(listen_host="127.0.0.1", listen_port=free_port(), upstream_port=upstream.server_port,
                             static_dir=streamlit_static_dir(), prefix=tmp_path / "nginx", user=worker_user())
    running = start_nginx(settings)
    try:
        running.wait_ready(timeout=60)
        yield running
    finally:
        running.stop()
        upstream.shutdown()
        upstream.server_close()


def raw(proxy, request: bytes, read: int = 1 << 16) -> bytes:
    """Send ``request`` as written (no client-side path clean-up) and return what came back."""
    with socket.create_connection(("127.0.0.1", proxy.settings.listen_port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while sum(map(len, chunks)) < read:
            try:
                chunk = sock.recv(read)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def test_a_streamlit_bundle_comes_from_disk_cached_for_a_year(proxy):
    bundle = sorted((streamlit_static_dir() / "static" / "js").glob("*.js"))[0]
    with urllib.request.urlopen(f"{proxy.url}/static/js/{bundle.name}", timeout=30) as resp:
        body, headers = resp.read(), resp.headers
    assert body == bundle.read_bytes()
    assert headers["Cache-Control"] == STATIC_CACHE
    assert "javascript" in headers["Content-Type"]
    assert not any("/static/" in path for path, _ in Upstream.seen)  # Streamlit never saw it


def test_the_page_reaches_the_upstream_with_the_clients_host_and_address(proxy):
    with urllib.request.urlopen(f"{proxy.url}/playground?class=abc", timeout=30) as resp:
        assert resp.read() == PAGE
    path, headers = Upstream.seen[-1]
    assert path == "/playground?class=abc"
    assert headers["host"] == f"127.0.0.1:{proxy.settings.listen_port}"  # Streamlit compares a WebSocket's Origin with it
    assert headers["x-forwarded-for"] == "127.0.0.1"


def test_the_websocket_is_upgraded_end_to_end(proxy):
    port = proxy.settings.listen_port
    request = (f"GET /_stcore/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            assert chunk, head
            head += chunk
        assert head.startswith(b"HTTP/1.1 101"), head
        sock.sendall(b"hello")
        reply = head.split(b"\r\n\r\n", 1)[1]
        while b"echo:hello" not in reply:
            chunk = sock.recv(4096)
            assert chunk, reply
            reply += chunk
    path, headers = Upstream.seen[-1]
    assert path == "/_stcore/stream" and headers["upgrade"] == "websocket"


@pytest.mark.parametrize("target", [
    "/static/../../../../../../etc/passwd",
    "/static/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/static//../../../../../../etc/passwd",
    "/static/js/../../../../../../../../etc/passwd",
    "/favicon.png/../../etc/passwd",
    "/static../index.html",  # the classic off-by-slash alias hole (location /static without its slash)
])
def test_no_path_leaves_the_static_folder(proxy, target):
    answer = raw(proxy, f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 ")
    assert b"root:" not in answer
    status = int(answer.split()[1])
    assert status in (400, 403, 404) or (status == 200 and answer.endswith(PAGE)), answer[:300]


def test_the_static_folder_is_not_listed(proxy):
    for target in ("/static/", "/static/js/"):
        answer = raw(proxy, f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        assert answer.split()[1] in (b"403", b"404"), answer[:300]
        assert b".js" not in answer


def test_gzip_for_a_browser_that_asks(proxy):
    bundle = max((streamlit_static_dir() / "static" / "js").glob("*.js"), key=lambda p: p.stat().st_size)
    request = urllib.request.Request(f"{proxy.url}/static/js/{bundle.name}", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as resp:
        assert resp.headers["Content-Encoding"] == "gzip"
        assert len(resp.read()) < bundle.stat().st_size / 2


def test_a_missing_bundle_is_a_404_not_the_page(proxy):
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{proxy.url}/static/js/no-such-file.js", timeout=30)
    assert err.value.code == 404


def test_cpu_seconds_counts_master_and_worker(proxy):
    assert len(proxy.pids()) >= 2  # master + one worker
    assert proxy.cpu_seconds() >= 0.0


def test_nginx_stops_and_its_port_is_free(tmp_path, proxy):
    proxy.stop()
    assert proxy.process.poll() is not None
    with pytest.raises(ConnectionRefusedError):  # nothing left listening (no worker kept the socket)
        socket.create_connection(("127.0.0.1", proxy.settings.listen_port), timeout=10).close()
    assert Path(proxy.settings.prefix / "nginx.conf").is_file()
