"""The app opens in a real browser: the home page, the sidebar's device panel, no exception,
and a shared link to a page opens inside the same frame."""

import pytest
from playwright.sync_api import expect

from synaptic_core.bench.browser import wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_home_renders_with_device_panel_and_no_exception(open_page):
    page = open_page("/")
    expect(page.locator("h1").filter(has_text="SynapticHub")).to_be_visible()
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar).to_contain_text("CPU")
    expect(sidebar).to_contain_text("Playground")  # the navigation lists the playground
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_shared_link_opens_inside_the_app_frame_on_a_fresh_server(page, fresh_app_server):
    """A link to a page, opened as the server's first session, still runs app.py around the page.

    Streamlit treats a folder named ``pages/`` beside the main script as an old-style
    multipage app: until some session has run app.py's st.navigation, a deep link runs the
    page file alone (no sidebar panel, no page config, file names in the navigation). That
    is why the pages live in ``app_pages/``; this test guards against a ``pages/`` folder.
    """
    page.goto(fresh_app_server.url + "/playground?epochs=3")
    wait_idle(page, timeout_ms=60_000)
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text("CPU")
    expect(page.locator('[data-testid="stSidebarNav"]')).to_contain_text("Playground")
    assert page.title() == "SynapticHub"
