"""Shared fixtures: paths, a running app server, headless Chromium.

Browser tests never skip silently: when Chromium is missing the fixture fails
with a message that says how to get it (``make test`` installs it).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "artifacts"
CHROMIUM = os.environ.get("URBANMAP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(data_dir: Path, extra_env: dict | None = None):
    """Start ``streamlit run app.py`` on a free port; returns (process, base_url)."""
    port = _free_port()
    env = dict(os.environ, URBANMAP_DATA_DIR=str(data_dir), **(extra_env or {}))
    proc = subprocess.Popen(
        [sys.executable, "-m", "urbanmap.cli", "serve", "--port", str(port), "--address", "127.0.0.1"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            raise RuntimeError(f"streamlit exited early:\n{out}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("streamlit did not become healthy within 60 s")


def stop_app(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """One app server for the browser tests, on a throw-away data directory."""
    proc, url = start_app(tmp_path_factory.mktemp("appdata"))
    yield url
    stop_app(proc)


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}. Browser tests need Debian's chromium: "
            "run `make test` (it installs chromium and fonts-noto-cjk) or `apt-get install chromium`.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class RequestLog:
    """Every URL a page asked for, to prove nothing left the machine."""

    def __init__(self):
        self.urls: list[str] = []

    def attach(self, page):
        page.on("request", lambda req: self.urls.append(req.url))
        return self

    def external(self) -> list[str]:
        from urllib.parse import urlparse

        bad = []
        for u in self.urls:
            p = urlparse(u)
            if p.scheme in ("data", "blob", "about", "chrome-error", "chrome"):
                continue
            if p.hostname not in LOCAL_HOSTS and f"[{p.hostname}]" not in LOCAL_HOSTS:
                bad.append(u)
        return bad


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    pg = ctx.new_page()
    log = RequestLog().attach(pg)  # returns the log
    pg.request_log = log  # type: ignore[attr-defined]
    yield pg
    ctx.close()
