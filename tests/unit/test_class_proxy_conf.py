"""The class server's nginx config (synaptic_core.class_proxy.nginx_conf): no nginx needed, runs everywhere.

It must listen on the configured address only, serve Streamlit's bundles from its package folder
through an alias that cannot climb out of it (trailing slashes on both sides, no autoindex), pass
the WebSocket on with its Upgrade/Connection headers and a long timeout, keep every file nginx
writes inside the work folder, and refuse any setting that could inject a directive.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from synaptic_core.class_proxy.nginx_conf import (STATIC_CACHE, ProxySettings, render, streamlit_static_dir,
                                                  write_config)


def _settings(tmp_path: Path, **overrides) -> ProxySettings:
    values = dict(listen_host="0.0.0.0", listen_port=8080, upstream_port=8501, static_dir=streamlit_static_dir(),
                  prefix=tmp_path / "work")
    values.update(overrides)
    return ProxySettings(**values)


def block(conf: str, header: str) -> str:
    """The text between ``header {`` and its matching ``}``."""
    start = conf.index(header + " {") + len(header) + 2
    depth, i = 1, start
    while depth:
        depth += {"{": 1, "}": -1}.get(conf[i], 0)
        i += 1
    return conf[start:i - 1]


def test_streamlit_still_lays_its_frontend_out_as_the_config_assumes():
    """A Streamlit upgrade that moves its files or stops loading them from ./static/ must fail here."""
    static = streamlit_static_dir()
    assert (static / "index.html").is_file() and (static / "favicon.png").is_file()
    assert (static / "manifest.json").is_file()
    assert any((static / "static" / "js").glob("*.js"))
    index = (static / "index.html").read_text()
    assert 'href="./favicon.png"' in index and "./static/" in index


def test_listens_on_the_configured_address_only(tmp_path):
    conf = render(_settings(tmp_path))
    assert re.findall(r"^\s*listen .*$", conf, flags=re.M) == ["        listen 0.0.0.0:8080;"]
    v6 = render(_settings(tmp_path, listen_host="::1", listen_port=9000))
    assert re.findall(r"^\s*listen (.*)$", v6, flags=re.M) == ["[::1]:9000 ipv6only=on;"]
    assert "server 127.0.0.1:8501;" in block(conf, "upstream streamlit")


def test_static_files_come_from_streamlits_folder_through_a_closed_alias(tmp_path):
    conf = render(_settings(tmp_path))
    static = streamlit_static_dir().resolve()
    bundles = block(conf, "location /static/")
    assert f"alias {static}/static/;" in bundles  # trailing slash on both: /static/../x cannot leave the folder
    assert f'add_header Cache-Control "{STATIC_CACHE}";' in bundles
    assert f"alias {static}/favicon.png;" in block(conf, "location = /favicon.png")
    assert "no-cache" in block(conf, "location = /manifest.json")
    assert "autoindex on" not in conf and conf.count("autoindex off;") >= 2
    assert "server_tokens off;" in conf
    assert conf.count("alias ") == 3 and "root " not in conf


def test_the_websocket_is_upgraded_and_held_open(tmp_path):
    conf = render(_settings(tmp_path))
    stream = block(conf, "location = /_stcore/stream")
    for line in ("proxy_pass http://streamlit;", "proxy_http_version 1.1;",
                 "proxy_set_header Upgrade $http_upgrade;", "proxy_set_header Connection $connection_upgrade;",
                 "proxy_read_timeout 1d;", "proxy_set_header Host $http_host;"):
        assert line in stream, line
    assert "default upgrade;" in block(conf, "map $http_upgrade $connection_upgrade")
    rest = block(conf, "location /")
    assert "proxy_pass http://streamlit;" in rest and "proxy_set_header X-Forwarded-For $remote_addr;" in rest
    assert "client_max_body_size 51m;" in conf  # Streamlit's 50 MB upload limit decides, not nginx's 1 MB


def test_every_file_nginx_writes_stays_in_the_work_folder(tmp_path):
    settings = _settings(tmp_path)
    conf = render(settings)
    prefix, static = str(settings.prefix.resolve()), str(streamlit_static_dir().resolve())
    paths = re.findall(r"^\s*(\w+) (/[^\s;]+)", conf, flags=re.M)  # every directive whose argument is a path
    files = [(d, p) for d, p in paths if d != "location"]
    assert {d for d, _ in files} == {"pid", "error_log", "alias", "client_body_temp_path", "proxy_temp_path",
                                     "fastcgi_temp_path", "uwsgi_temp_path", "scgi_temp_path"}
    for directive, path in files:
        assert path.startswith((static if directive == "alias" else prefix) + "/"), (directive, path)
    assert "include " not in conf and "daemon off;" in conf


def test_a_base_path_prefixes_every_location_and_closes_the_rest(tmp_path):
    conf = render(_settings(tmp_path, base_path="/class1/"))
    assert "location /class1/static/ {" in conf and "location = /class1/_stcore/stream {" in conf
    assert "location /class1/ {" in conf and "return 404;" in block(conf, "location /")


@pytest.mark.parametrize("overrides", [
    {"listen_host": "example.com"}, {"listen_host": "0.0.0.0; include /etc/passwd"}, {"listen_port": 0},
    {"listen_port": 70000}, {"upstream_port": 0}, {"base_path": "../etc"}, {"base_path": "a;b"},
    {"base_path": "a b"}, {"user": "nobody; daemon on"}, {"max_body_mb": 0},
])
def test_refuses_a_setting_that_could_change_the_config(tmp_path, overrides):
    with pytest.raises(ValueError):
        render(_settings(tmp_path, **overrides))


@pytest.mark.parametrize("name", ["has space", "semi;colon", "dollar$var", "brace{x}", 'quote"x'])
def test_refuses_a_folder_name_nginx_would_read_as_syntax(tmp_path, name):
    with pytest.raises(ValueError):
        render(_settings(tmp_path, prefix=tmp_path / name))


def test_write_config_makes_the_work_folder(tmp_path):
    settings = _settings(tmp_path, listen_host="127.0.0.1")
    conf = write_config(settings)
    assert conf == settings.prefix / "nginx.conf" and conf.read_text() == render(settings)
    for sub in ("logs", "tmp/client_body", "tmp/proxy"):
        assert (settings.prefix / sub).is_dir()
