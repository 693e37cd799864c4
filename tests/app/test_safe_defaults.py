"""Safe by default: the server listens on this machine only, and a crash shows no details to users.

The repository's ``.streamlit/config.toml`` is the production setting (README, "Safe by default"):
``server.address = "localhost"`` and ``client.showErrorDetails = "none"``. These tests read that
file, check Streamlit accepts its values, show that an uncaught exception under it reaches the
browser as Streamlit's generic message while the traceback is logged for the operator, that the
pages' own messages still say what went wrong, and (slow) that a server started with nothing but
the config listens on loopback only.
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from synaptic_core.bench.appserver import REPO_ROOT, start_app

CONFIG = REPO_ROOT / ".streamlit" / "config.toml"
SECRET = "secret-detail-7f3a: /srv/private/path"


def repo_config() -> dict:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


def test_config_is_safe_by_default() -> None:
    cfg = repo_config()
    assert cfg["server"]["address"] in ("localhost", "127.0.0.1")
    detail = cfg["client"]["showErrorDetails"]
    assert detail == "none"
    assert detail in {o.value for o in st_config.ShowErrorDetailsConfigOptions}  # a value this Streamlit accepts
    assert cfg["server"]["enableXsrfProtection"] is True


def _crashing_page() -> None:
    import streamlit as st

    st.write("before the crash")
    raise RuntimeError("secret-detail-7f3a: /srv/private/path")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def repo_error_details():
    """``client.showErrorDetails`` as the repo's config sets it, for this test only."""
    before = st_config.get_option("client.showErrorDetails")
    st_config.set_option("client.showErrorDetails", repo_config()["client"]["showErrorDetails"])
    yield
    st_config.set_option("client.showErrorDetails", before)


def test_uncaught_exception_is_generic_for_users_and_logged_for_the_operator(repo_error_details, capsys) -> None:
    logger = logging.getLogger("streamlit.error_util")  # Streamlit's loggers do not propagate
    handler = _Collect()
    logger.addHandler(handler)
    try:
        at = AppTest.from_function(_crashing_page, default_timeout=30).run()
    finally:
        logger.removeHandler(handler)
    assert len(at.exception) == 1
    shown = at.exception[0]
    assert "secret-detail" not in shown.message and not shown.stack_trace
    assert "RuntimeError" not in shown.message and shown.proto.type == ""
    assert "error" in shown.message.lower()  # Streamlit's generic "This app has encountered an error…"
    # Streamlit logs it with its traceback: through ``rich`` on the server's stdout (logger.enableRich,
    # on where rich is installed) or else through its logger.
    logged = [r for r in handler.records if r.exc_info and "secret-detail" in str(r.exc_info[1])]
    printed = capsys.readouterr()
    assert logged or "secret-detail" in printed.out + printed.err, "the uncaught exception was not logged"
    assert logged or "_crashing_page" in printed.out + printed.err  # with the traceback


def test_pages_own_messages_still_explain(open_app, runner, repo_error_details) -> None:
    """A refused run is explained by the page (st.error), not hidden like a crash."""
    from synaptic_core.jobs.policy import RunRefused

    def refuse(spec, owner=None):
        raise RunRefused("You already have 4 runs queued or running; the limit is 4 per person.", "per_person")

    at = open_app("app_pages/playground.py", dataset="circle", model="mlp")
    runner.submit = refuse
    at.button(key="train").click().run()
    assert not at.exception
    assert any("the limit is 4 per person" in e.value for e in at.error)


@pytest.mark.slow
def test_server_started_with_the_repo_config_listens_on_loopback_only(tmp_path: Path) -> None:
    """``streamlit run app.py`` with no address flag: every listening socket of the server is loopback."""
    server = start_app(tmp_path / "streamlit.log", env={"SYNAPTIC_HOME": str(tmp_path / "home")},
                       extra_args=["--server.fileWatcherType", "none"], address=None)
    try:
        server.wait_healthy(timeout=90)
        addresses = _listening_addresses(server.process.pid, server.port)
    finally:
        server.stop()
    assert addresses, "no listening socket found for the server's port"
    assert all(a in ("127.0.0.1", "::1") for a in addresses), addresses


def _listening_addresses(pid: int, port: int) -> list[str]:
    """Local addresses of sockets LISTENing on ``port`` in the server's network namespace (/proc/net/tcp*)."""
    import ipaddress

    found = []
    for name, size in (("tcp", 4), ("tcp6", 16)):
        path = Path(f"/proc/{pid}/net/{name}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            hex_addr, hex_port = local.split(":")
            if state != "0A" or int(hex_port, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(hex_addr)
            # /proc prints each 32-bit word in host (little-endian) order
            raw = b"".join(raw[i:i + 4][::-1] for i in range(0, size, 4))
            addr = ipaddress.ip_address(raw)
            if getattr(addr, "ipv4_mapped", None):
                addr = addr.ipv4_mapped
            found.append(str(addr))
    return found
