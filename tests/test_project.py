"""Project-wide checks: migrations complete, import layers respected, catalogs compiled."""

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_no_missing_migrations() -> None:
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:
        pytest.fail(f"models changed without a migration:\n{out.getvalue()} ({exc})")


def test_api_schema_generates_without_warnings(tmp_path) -> None:
    out = StringIO()
    try:
        call_command(
            "spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"), stdout=out, stderr=out
        )
    except SystemExit as exc:
        pytest.fail(f"the OpenAPI schema has warnings or errors:\n{out.getvalue()} ({exc})")
    schema = (tmp_path / "schema.yml").read_text()
    assert "RespondentTypeEnum:" in schema
    assert "TypeEnum:" not in schema.replace("RespondentTypeEnum:", "")


def test_import_layers_surveys_responses_analysis() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def test_chinese_catalog_is_compiled_and_used() -> None:
    with translation.override("zh-hans"):
        assert translation.gettext("Voice of Customer") == "客户之声"
    with translation.override("en"):
        assert translation.gettext("Voice of Customer") == "Voice of Customer"


def test_ruff_is_clean() -> None:
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run(
        [str(ruff), "check", "--quiet", "."], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
