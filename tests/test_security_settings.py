"""Production settings: the secret key, the documented environment, demo data, the API docs."""

import base64
import io
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from config.secret_key import secret_key_problem
from responses.models import SourceSystem

ROOT = Path(__file__).resolve().parent.parent
KNOWN = "is a known default or placeholder, public to anybody who has read the code"
GOOD_KEY = "k3Y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMN"
# Contact keys fit for production (a Fernet key of 32 bytes, a hash key of 48 characters).
CONTACT_KEYS = {
    "CONTACT_ENCRYPTION_KEYS": base64.urlsafe_b64encode(bytes(range(32))).decode(),
    "CONTACT_HASH_KEY": "contact-hash-key-" + "0123456789abcdefghijklmnopqrstu",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``manage.py`` in a fresh process with only ``env`` (plus PATH and HOME) set."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def documented_environment() -> dict[str, str]:
    """The environment block of docs/security.md "Production settings", placeholders filled."""
    text = (ROOT / "docs" / "security.md").read_text()
    section = text.split("## Production settings", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1)
    environment = {}
    for line in block.splitlines():
        name, _sep, value = line.partition("=")
        if name == "DJANGO_SECRET_KEY":
            value = secrets.token_urlsafe(50)
        if name in CONTACT_KEYS:
            value = CONTACT_KEYS[name]
        environment[name] = re.sub(r"<[^>]*>", "placeholder", value)
    return environment


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("x", "is a known default or placeholder, public to anybody who has read the code"),
        (
            "insecure-local-development-key-change-me",
            "is a known default or placeholder, public to anybody who has read the code",
        ),
        (
            "django-insecure-" + "a1b2c3d4e5" * 5,
            "is a known default or placeholder, public to anybody who has read the code",
        ),
        ("a1b2c3d4e5" * 4, "has 40 characters; at least 50 are needed"),
        ("abab" * 20, "has fewer than 5 different characters"),
        (GOOD_KEY, None),
    ],
)
def test_secret_key_problem_refuses_short_default_and_uniform_keys(key: str, problem: str | None) -> None:
    assert secret_key_problem(key) == problem


def test_production_refuses_to_start_with_a_short_secret_key() -> None:
    # given the production settings with a 21-character key
    key = "short-secret-key-0042"
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.production", "DJANGO_SECRET_KEY": key}
    result = _manage("check", env=env)
    # then nothing starts, and the error names the variable and how to make a key
    assert result.returncode == 1
    assert (
        "django.core.exceptions.ImproperlyConfigured: DJANGO_SECRET_KEY has 21 characters; at least "
        "50 are needed. Generate a key with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    ) in result.stderr
    assert key not in result.stderr
    # and so it does with the old example value "x"
    result = _manage("check", env={**env, "DJANGO_SECRET_KEY": "x"})
    assert result.returncode == 1
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY is a known default or placeholder" in result.stderr


def test_production_reads_the_key_fallbacks_from_the_environment() -> None:
    old = GOOD_KEY[::-1]
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": GOOD_KEY,
        "DJANGO_SECRET_KEY_FALLBACKS": f"{old},{old.upper()}",
        **CONTACT_KEYS,
    }
    script = "from django.conf import settings; print(settings.SECRET_KEY_FALLBACKS)"
    result = _manage("shell", "--no-imports", "-c", script, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str([old, old.upper()])
    # a weak fallback is refused like a weak key: it would still verify forged links
    result = _manage(
        "shell", "--no-imports", "-c", script, env={**env, "DJANGO_SECRET_KEY_FALLBACKS": f"{old},short"}
    )
    assert result.returncode == 1
    assert "DJANGO_SECRET_KEY_FALLBACKS: key 2 has 5 characters; at least 50 are needed." in result.stderr


def test_production_refuses_to_start_without_its_own_contact_keys() -> None:
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.production", "DJANGO_SECRET_KEY": GOOD_KEY}
    # without keys: nothing starts, and the error names both variables and how to make keys
    result = _manage("check", env=env)
    assert result.returncode == 1
    assert (
        "ImproperlyConfigured: CONTACT_ENCRYPTION_KEYS is not set. CONTACT_HASH_KEY is not set. "
        "Generate an encryption key with:"
    ) in result.stderr
    # with the public development keys: refused too
    from config.contact_keys import DEVELOPMENT_ENCRYPTION_KEY, DEVELOPMENT_HASH_KEY

    public = {"CONTACT_ENCRYPTION_KEYS": DEVELOPMENT_ENCRYPTION_KEY, "CONTACT_HASH_KEY": DEVELOPMENT_HASH_KEY}
    result = _manage("check", env={**env, **public})
    assert result.returncode == 1
    assert "CONTACT_ENCRYPTION_KEYS: key 1 is the public development key." in result.stderr
    assert DEVELOPMENT_HASH_KEY not in result.stderr
    # with its own keys (a new one first, the old one after it): it starts and reads both
    second = base64.urlsafe_b64encode(bytes(range(1, 33))).decode()
    keys = {**CONTACT_KEYS, "CONTACT_ENCRYPTION_KEYS": f"{second},{CONTACT_KEYS['CONTACT_ENCRYPTION_KEYS']}"}
    script = "from django.conf import settings; print(len(settings.CONTACT_ENCRYPTION_KEYS))"
    result = _manage("shell", "--no-imports", "-c", script, env={**env, **keys})
    assert (result.returncode, result.stdout.strip()) == (0, "2"), result.stderr


def test_check_deploy_is_clean_with_the_documented_environment() -> None:
    environment = documented_environment()
    assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert environment["DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS"] == "true"
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=environment)
    assert result.returncode == 0, result.stdout + result.stderr
    # (one silenced: axes.W002, which asks for axes' middleware by name; a subclass is installed)
    assert result.stdout.strip() == "System check identified no issues (1 silenced)."
    assert "WARNING" not in result.stderr


def test_demo_load_refuses_production_settings(tmp_path) -> None:
    # given the documented production environment, its database an SQLite file that is not there
    database = tmp_path / "production.sqlite3"
    environment = {**documented_environment(), "DATABASE_URL": f"sqlite:///{database}"}
    # when the demo is loaded
    result = _manage("demo_load", env=environment)
    # then the command stops before touching the database
    assert result.returncode == 1
    assert (
        "CommandError: Demo data is not allowed with these settings (DEMO_DATA_ALLOWED is False, "
        "as in config.settings.production)"
    ) in result.stderr
    assert not database.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "command",
    ["demo_load", "analysis_demo_load", "respondent_demo_links", "cases_demo_load", "exports_demo_load"],
)
def test_demo_load_writes_nothing_when_demo_data_is_not_allowed(command: str) -> None:
    with override_settings(DEMO_DATA_ALLOWED=False), pytest.raises(CommandError) as refused:
        call_command(command, stdout=io.StringIO())
    assert str(refused.value).startswith("Demo data is not allowed with these settings")
    assert get_user_model().objects.count() == 0
    assert SourceSystem.objects.count() == 0


def test_api_docs_load_swagger_ui_from_this_site_only(client, admin_user) -> None:
    client.force_login(admin_user)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in sources
    assert [url for url in sources if "//" in url] == []
    assert "cdn" not in html.lower()
    # and the script itself is served by the site
    script = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert b"SwaggerUIBundle" in b"".join(script.streaming_content)


def test_every_test_docs_security_names_exists() -> None:
    text = (ROOT / "docs" / "security.md").read_text()
    named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", text)
    assert len(named) >= 20
    missing = [
        f"{path}::{name}"
        for path, name in named
        if not re.search(rf"^def {name}\(", (ROOT / path).read_text(), re.MULTILINE)
    ]
    assert missing == []
