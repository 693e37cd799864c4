"""The class server's command line (``python -m synaptic_core.class_proxy``) and the page-open bench's
``--proxy`` option: what they accept and refuse, without starting nginx, Streamlit or a browser."""

from __future__ import annotations

import pytest

from synaptic_core.bench import pageopen
from synaptic_core.class_proxy import __main__ as launcher


@pytest.mark.parametrize("text, expected", [
    ("0.0.0.0:8080", ("0.0.0.0", 8080)), ("127.0.0.1:9000", ("127.0.0.1", 9000)),
    ("[::]:8080", ("::", 8080)), ("8080", ("127.0.0.1", 8080)),
])
def test_listen_addresses(text, expected):
    assert launcher.parse_listen(text) == expected


@pytest.mark.parametrize("text", ["example.com:80", "0.0.0.0:http", "0.0.0.0:0", "1.2.3.4:99999", ""])
def test_listen_refusals(text):
    with pytest.raises(ValueError):
        launcher.parse_listen(text)


def test_the_upload_limit_is_the_apps(tmp_path):
    assert launcher.upload_limit_mb() == 50  # .streamlit/config.toml: maxUploadSize = 50
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "config.toml").write_text("[server]\nmaxUploadSize = 7\n")
    assert launcher.upload_limit_mb(tmp_path / "app.py") == 7
    assert launcher.upload_limit_mb(tmp_path / "nowhere" / "app.py") == 200  # Streamlit's default


def test_without_nginx_it_says_how_to_serve_the_class_anyway(monkeypatch, capsys):
    monkeypatch.setattr(launcher, "nginx_binary", lambda: None)
    assert launcher.main(["--listen", "0.0.0.0:8080"]) == 1
    err = capsys.readouterr().err
    assert "apt-get install nginx" in err and "--server.address 0.0.0.0" in err


def test_a_bad_listen_address_starts_nothing(monkeypatch, capsys):
    monkeypatch.setattr(launcher, "nginx_binary", lambda: "/usr/sbin/nginx")
    monkeypatch.setattr(launcher, "serve", lambda *a, **k: pytest.fail("started"))
    assert launcher.main(["--listen", "example.com:8080"]) == 1
    assert capsys.readouterr().err.startswith("error: ")


def test_pageopen_passes_the_proxy_on_and_refuses_an_unknown_one(monkeypatch, capsys):
    seen = {}
    monkeypatch.setattr(pageopen, "measure_page_open", lambda **kw: seen.update(kw) or {"ok": 1})
    assert pageopen.main(["--proxy", "nginx", "--opens", "1"]) == 0
    assert seen["proxy"] == "nginx"
    assert pageopen.main([]) == 0 and seen["proxy"] == "none"
    monkeypatch.undo()
    with pytest.raises(ValueError):
        pageopen.measure_page_open(proxy="caddy")


def test_streamlits_health_is_checked_under_the_base_path():
    """With --base-path, Streamlit answers /<base>/_stcore/health only: the launcher must wait on that."""
    server = launcher._Streamlit(process=None, port=8501, log_path=None, started_at=0.0, base_path="/class1/")
    assert server.url == "http://127.0.0.1:8501/class1"
    assert launcher._Streamlit(process=None, port=8501, log_path=None, started_at=0.0).url == "http://127.0.0.1:8501"
