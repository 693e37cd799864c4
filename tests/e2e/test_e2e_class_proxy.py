"""The real app behind the class launcher's nginx, in a real browser (skipped without nginx, an optional
system package absent in CI).

What a student needs through the proxy: the page, Streamlit's frontend from nginx's disk (nginx's
ETag is ``"<mtime hex>-<size hex>"``, Starlette's an MD5: the bundles did not come through
Streamlit), the WebSocket (the app connects and its script runs), and the Playground usable."""

from __future__ import annotations

import re
from typing import Iterator

import pytest
from playwright.sync_api import expect

from synaptic_core.bench.appserver import AppServer
from synaptic_core.bench.browser import wait_idle
from synaptic_core.bench.pageopen import start_proxy
from synaptic_core.class_proxy.nginx import NginxProxy, nginx_binary

pytestmark = [pytest.mark.e2e, pytest.mark.slow,
              pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed (optional system package)")]


@pytest.fixture
def proxy(app_server: AppServer, tmp_path) -> Iterator[NginxProxy]:
    running = start_proxy(app_server, tmp_path / "nginx", None, timeout=60)  # the benchmarks' nginx, ready
    try:
        yield running
    finally:
        running.stop()


def test_the_playground_works_through_nginx(page, proxy):
    bundles: list[tuple[str, str]] = []

    def seen(response) -> None:
        if "/static/js/" in response.url and response.url.endswith(".js"):
            bundles.append((response.url, response.headers.get("etag", "")))

    page.on("response", seen)
    page.goto(proxy.url + "/playground")
    wait_idle(page, timeout_ms=90_000)  # connected over the proxied WebSocket, script run
    expect(page.locator(".st-key-train button").first).to_be_visible(timeout=60_000)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    assert bundles and all(url.startswith(proxy.url + "/static/") for url, _ in bundles)
    assert all(re.fullmatch(r'(W/)?"[0-9a-f]+-[0-9a-f]+"', etag) for _, etag in bundles), bundles[:5]


def test_a_2mb_csv_uploads_through_nginx(page, proxy):
    """Uploads go through nginx to Streamlit (its XSRF check, its 50 MB limit; nginx's own default would
    refuse anything over 1 MB): a 2 MB CSV arrives and the page reads it."""
    import numpy as np

    from synaptic_core.bench.browser import by_key

    rng = np.random.default_rng(0)
    rows = ["size,rooms,price"] + [f"{s:.3f},{r},{1000 * s + 5000 * r:.1f}"
                                   for s, r in zip(rng.uniform(30, 200, 120_000), rng.integers(1, 6, 120_000))]
    data = ("\n".join(rows) + "\n").encode()
    assert len(data) > 2_000_000
    page.goto(proxy.url + "/playground")
    wait_idle(page, timeout_ms=90_000)
    page.get_by_text("Upload your own data", exact=True).click()
    uploader = by_key(page, "pg_upload_file").locator('input[type="file"]')
    uploader.set_input_files(files=[{"name": "houses.csv", "mimeType": "text/csv", "buffer": data}])
    expect(page.get_by_text(re.compile(r"Regression: a number is predicted"))).to_be_visible(timeout=90_000)
