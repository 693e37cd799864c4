"""The nginx config for a class server: Streamlit's frontend files from disk, everything else proxied.

Streamlit's URL layout (1.67, ``streamlit/web/server/starlette/``), all under
``server.baseUrlPath`` when one is set:

* ``/static/...``: the hashed JS/CSS/font bundles, files of ``<package>/static/static/``; Streamlit
  marks them ``public, immutable, max-age=31536000`` (their names change with their content);
* ``/favicon.png``, ``/manifest.json``: files of ``<package>/static/`` (manifest: ``no-cache``);
* ``/_stcore/stream``: the WebSocket every session lives on; ``/_stcore/...`` and ``/media/``,
  ``/component/``: Streamlit's API (health, uploads, media, components);
* everything else (``/``, ``/playground``): ``index.html`` (``no-cache``) as a single-page-app
  fallback, which also answers 404 for reserved paths; it is left to Streamlit.

So nginx serves the first two from the folder with the same cache headers and proxies the rest,
the WebSocket with its ``Upgrade``/``Connection`` headers and a day-long read timeout (an idle tab
holds it open). ``X-Forwarded-For`` is set (not appended) to the client's address: uvicorn trusts
it from 127.0.0.1, so ``st.context.ip_address`` stays the student's, and the class password's
per-client try count (classroom/attempts.py) still counts per student, not per proxy.

Safety: nginx listens on the one configured address; files come only through ``alias`` with a
trailing slash on both sides (nginx normalises ``..`` before matching, so no path leaves the
folder), no ``autoindex``, no version in headers; paths and the address are validated before they
are written, so nothing from outside can add a directive.
"""

from __future__ import annotations

import grp
import importlib.util
import ipaddress
import os
import pwd
import re
import stat
from dataclasses import dataclass
from pathlib import Path

STATIC_CACHE = "public, immutable, max-age=31536000"  # Streamlit's own header for the hashed bundles
FAVICON_CACHE = "public, max-age=86400"
WEBSOCKET_TIMEOUT = "1d"  # an idle tab keeps its WebSocket open (uvicorn pings it)
REQUEST_TIMEOUT = "10m"   # a large upload or a model download
MIME_TYPES = {  # the file kinds in Streamlit's static folder (no dependency on /etc/nginx/mime.types)
    "text/html": "html", "text/css": "css", "application/javascript": "js", "application/json": "json",
    "image/png": "png", "image/gif": "gif", "image/svg+xml": "svg", "image/x-icon": "ico",
    "font/woff2": "woff2", "font/woff": "woff", "font/ttf": "ttf", "application/wasm": "wasm",
    "text/plain": "txt map",
}
GZIP_TYPES = "text/css application/javascript application/json image/svg+xml"
_SAFE_PATH = re.compile(r"^/[A-Za-z0-9._/+@-]*$")
_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9._-]+$")


@dataclass(frozen=True)
class ProxySettings:
    """What the config says: where nginx listens, where Streamlit is, where its files are."""

    listen_host: str              # an IP address literal: "127.0.0.1", "0.0.0.0", "::"
    listen_port: int
    upstream_port: int            # Streamlit on 127.0.0.1
    static_dir: Path              # Streamlit's package ``static`` folder (index.html, static/, favicon.png)
    prefix: Path                  # nginx's work folder: pid, logs, temp files
    base_path: str = ""           # Streamlit's server.baseUrlPath ("" or e.g. "class1")
    max_body_mb: int = 50         # Streamlit's server.maxUploadSize
    gzip: bool = True             # compress JS/CSS on the way out (a classroom's Wi-Fi, not the server's CPU)
    user: str | None = None       # the workers' user when nginx starts as root (see ``worker_user``)


def worker_user(static_dir: Path | None = None) -> str | None:
    """Whom nginx's workers run as when this process is root (None otherwise: they stay this user).

    ``nobody`` (nginx's usual drop) when it can reach Streamlit's files: every folder above
    ``static_dir`` searchable by others and the folder readable. A checkout under a private folder
    (``/root/...``, mode 0700) cannot be read by ``nobody``: then ``root``, the user Streamlit itself
    runs as, so the class still works (the workers only read those files and proxy)."""
    if os.geteuid() != 0:
        return None
    folder = Path(static_dir) if static_dir is not None else streamlit_static_dir()
    for part in [folder, *folder.parents]:
        try:
            mode = part.stat().st_mode
        except OSError:
            return "root"
        if not mode & stat.S_IXOTH or (part == folder and not mode & stat.S_IROTH):
            return "root"
    return "nobody"


def streamlit_static_dir() -> Path:
    """Streamlit's installed ``static`` folder, found without importing streamlit (this is the core)."""
    spec = importlib.util.find_spec("streamlit")
    if spec is None or spec.origin is None:
        raise RuntimeError("streamlit is not installed in this environment")
    folder = Path(spec.origin).parent / "static"
    if not (folder / "index.html").is_file() or not (folder / "static").is_dir():
        raise RuntimeError(f"no Streamlit frontend in {folder}")
    return folder


def listen_directive(host: str, port: int) -> str:
    """``listen`` for exactly this address (IPv6 in brackets); ValueError for anything else."""
    address = ipaddress.ip_address(host)  # ValueError for a name or garbage: bind an address, not a name
    if not 0 < port < 65536:
        raise ValueError(f"port {port} is out of range")
    where = f"[{address}]" if address.version == 6 else str(address)
    v6only = " ipv6only=on" if address.version == 6 else ""
    return f"listen {where}:{port}{v6only};"


def _path(path: Path) -> str:
    text = str(Path(path).resolve())
    if not _SAFE_PATH.match(text) or "/../" in f"{text}/":
        raise ValueError(f"refusing a path nginx would read differently: {text!r}")
    return text


def _base(base_path: str) -> str:
    """"" or "/seg1/seg2" for server.baseUrlPath "seg1/seg2"."""
    parts = [p for p in base_path.strip("/").split("/") if p]
    for part in parts:
        if not _SAFE_SEGMENT.match(part) or part in {".", ".."}:
            raise ValueError(f"base path segment {part!r}: letters, digits, '.', '_' and '-' only")
    return "".join(f"/{p}" for p in parts)


def _group_of(user: str) -> str:
    """The user's own group by name (nginx would otherwise look up a group named like the user: Debian's
    ``nobody`` has ``nogroup``)."""
    return grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name


def _proxy_headers(indent: str) -> str:
    lines = [
        "proxy_pass http://streamlit;",
        "proxy_http_version 1.1;",
        "proxy_set_header Host $http_host;",           # Streamlit checks a WebSocket's Origin against it
        "proxy_set_header X-Forwarded-For $remote_addr;",  # set, not appended: a client cannot forge it
        "proxy_set_header X-Forwarded-Proto $scheme;",
    ]
    return "\n".join(indent + line for line in lines)


def render(settings: ProxySettings) -> str:
    """The whole nginx.conf for ``settings`` (ValueError for an address, port or path it will not write)."""
    listen = listen_directive(settings.listen_host, settings.listen_port)
    if not 0 < settings.upstream_port < 65536:
        raise ValueError(f"upstream port {settings.upstream_port} is out of range")
    if settings.max_body_mb < 1:
        raise ValueError("max_body_mb must be at least 1")
    static, prefix, base = _path(settings.static_dir), _path(settings.prefix), _base(settings.base_path)
    types = "\n".join(f"        {mime} {exts};" for mime, exts in MIME_TYPES.items())
    gzip = (f"    gzip on;\n    gzip_comp_level 1;\n    gzip_min_length 1024;\n    gzip_vary on;\n"
            f"    gzip_proxied any;\n    gzip_types {GZIP_TYPES};\n") if settings.gzip else "    gzip off;\n"
    temps = "\n".join(f"    {kind}_temp_path {prefix}/tmp/{kind};"
                      for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    if settings.user is not None and not _SAFE_SEGMENT.match(settings.user):
        raise ValueError(f"user {settings.user!r}: letters, digits, '.', '_' and '-' only")
    user = f"user {settings.user} {_group_of(settings.user)};\n" if settings.user else ""
    elsewhere = "" if not base else "\n        location / {\n            return 404;\n        }\n"
    return f"""# Written by synaptic_core.class_proxy at each start; edits are lost.
# nginx serves Streamlit's frontend files from {static}
# and passes everything else to Streamlit on 127.0.0.1:{settings.upstream_port}.
daemon off;
{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;

events {{
    worker_connections 1024;
}}

http {{
    types {{
{types}
    }}
    default_type application/octet-stream;
    access_log off;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65s;
    client_max_body_size {settings.max_body_mb + 1}m;
{temps}
    open_file_cache max=1000 inactive=10m;
    open_file_cache_valid 10m;
{gzip}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      '';
    }}

    upstream streamlit {{
        server 127.0.0.1:{settings.upstream_port};
        keepalive 16;
    }}

    server {{
        {listen}
        server_name _;
        autoindex off;

        # Streamlit's hashed bundles, straight from its package folder, cached for a year as Streamlit does.
        location {base}/static/ {{
            alias {static}/static/;
            autoindex off;
            add_header Cache-Control "{STATIC_CACHE}";
        }}

        location = {base}/favicon.png {{
            alias {static}/favicon.png;
            add_header Cache-Control "{FAVICON_CACHE}";
        }}

        location = {base}/manifest.json {{
            alias {static}/manifest.json;
            add_header Cache-Control "no-cache";
        }}

        # Each session's WebSocket: upgraded, and held open as long as the tab is.
        location = {base}/_stcore/stream {{
{_proxy_headers(" " * 12)}
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout {WEBSOCKET_TIMEOUT};
            proxy_send_timeout {WEBSOCKET_TIMEOUT};
            proxy_buffering off;
        }}

        # The page (index.html), /_stcore/ API, uploads, media, components: Streamlit.
        location {base}/ {{
{_proxy_headers(" " * 12)}
            proxy_set_header Connection "";
            proxy_request_buffering off;   # an upload streams on to Streamlit (its limit applies), no temp file
            proxy_max_temp_file_size 0;    # a model download streams too: nothing spooled to disk
            proxy_read_timeout {REQUEST_TIMEOUT};
            proxy_send_timeout {REQUEST_TIMEOUT};
        }}
{elsewhere}    }}
}}
"""


def write_config(settings: ProxySettings) -> Path:
    """Create the prefix's folders (logs, temp files) and write ``nginx.conf`` there; its path."""
    text = render(settings)
    prefix = Path(settings.prefix)
    (prefix / "logs").mkdir(parents=True, exist_ok=True)
    owner = pwd.getpwnam(settings.user) if settings.user else None
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / kind).mkdir(parents=True, exist_ok=True)
        if owner is not None:  # the workers (not the root master) write a large upload or response here
            os.chown(prefix / "tmp" / kind, owner.pw_uid, owner.pw_gid)
    if owner is not None:
        prefix.chmod(0o711)
        (prefix / "tmp").chmod(0o711)
    conf = prefix / "nginx.conf"
    conf.write_text(text)
    return conf
