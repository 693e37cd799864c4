"""Offline means offline: a browser that can reach only the app server sees no failed request.

The page favicon of a page whose icon is a Material symbol is fetched by Streamlit's frontend
from an outside font host; without a network that request fails (broken icon). Every outside
host is blocked here, so any such request shows up as an attempt to leave the server.
"""

from urllib.parse import urlparse

import pytest

from synaptic_core.bench.browser import wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PAGES = ("/", "/playground", "/draw", "/losses", "/sentiment")


def test_no_request_leaves_the_server_and_none_fails(_chromium, app_server):
    context = _chromium.new_context(viewport={"width": 1400, "height": 1000})
    server = urlparse(app_server.url).netloc
    outside: list[str] = []
    failed: list[str] = []

    def route(r):
        host = urlparse(r.request.url).netloc
        if r.request.url.startswith(("data:", "blob:")) or host == server:
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("requestfailed", lambda req: failed.append(f"{req.url} ({req.failure})"))
    try:
        for path in PAGES:
            page.goto(app_server.url + path)
            wait_idle(page, timeout_ms=60_000)
            page.wait_for_timeout(1500)  # favicon and icon fonts load after the script has run
    finally:
        context.close()
    assert not outside, f"requests to outside hosts: {outside}"
    # the websocket closing when the context closes is not a failed page request
    assert not [f for f in failed if "_stcore/stream" not in f], f"failed requests: {failed}"
