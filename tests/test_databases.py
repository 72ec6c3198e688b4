"""Vendor-specific SQL lives in the modules ``ops.databases.VENDOR_SQL_MODULES`` lists, nowhere else."""

import importlib
import inspect
import re
import tomllib
from pathlib import Path

import pytest
from django.db import connection

from ops.databases import VENDOR_SQL_MODULES

ROOT = Path(__file__).resolve().parent.parent
# What chooses or writes SQL for one database: reading the vendor, the chooser, per-vendor compilers.
VENDOR_CODE = re.compile(
    r"\.vendor\b|\bfor_database\(|\bon_postgresql\(|\bdef as_(postgresql|sqlite|mysql|oracle)\b"
)
# The modules that define a PostgreSQL and a Portable implementation of the same functions.
IMPLEMENTATION_MODULES = [path for path in VENDOR_SQL_MODULES if "/sql/" in path or path.endswith("/sql.py")]


def app_packages() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["importlinter"]["root_packages"]


def vendor_code_outside(allowed: set[str], files: dict[str, str]) -> list[str]:
    """``path:line: text`` of each line of ``files`` (path: source) that holds vendor code
    while its path is not ``allowed``."""
    found = []
    for path, source in sorted(files.items()):
        if path in allowed:
            continue
        for number, line in enumerate(source.splitlines(), start=1):
            if VENDOR_CODE.search(line):
                found.append(f"{path}:{number}: {line.strip()}")
    return found


def app_sources() -> dict[str, str]:
    files = {}
    for package in app_packages():
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" not in relative:
                files[relative] = path.read_text(encoding="utf-8")
    return files


def test_the_apps_choose_sql_by_database_only_in_the_vendor_sql_modules() -> None:
    sources = app_sources()
    assert "responses/services/answering.py" in sources  # the scan reads the apps' code
    assert vendor_code_outside(set(VENDOR_SQL_MODULES), sources) == []


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ('    if connection.vendor == "postgresql":', True),
        ("    return for_database(PostgreSQL, Portable)", True),
        ("    if on_postgresql():", True),
        ("    def as_postgresql(self, compiler, connection, **extra):", True),
        ("    rows = ingest.chosen().respondents_lock(keys, fields)", False),
        ("    vendors = 'postgresql'", False),
    ],
)
def test_the_scan_finds_vendor_code_in_a_module_not_listed(line: str, found: bool) -> None:
    files = {"responses/services/new.py": f"def f():\n{line}\n", "ops/databases.py": line}
    expected = [f"responses/services/new.py:2: {line.strip()}"] if found else []
    assert vendor_code_outside({"ops/databases.py"}, files) == expected


def test_every_listed_module_exists() -> None:
    assert [path for path in VENDOR_SQL_MODULES if not (ROOT / path).is_file()] == []


def _functions(cls) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(value)
        for name, value in vars(cls).items()
        if not name.startswith("_") and callable(getattr(cls, name))
    }


@pytest.mark.parametrize("path", IMPLEMENTATION_MODULES)
def test_both_implementations_offer_the_same_functions(path: str) -> None:
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    postgresql, portable = _functions(module.PostgreSQL), _functions(module.Portable)
    assert postgresql, path
    assert postgresql == portable
    # and the module picks the one for the database the tests run on
    expected = module.PostgreSQL if connection.vendor == "postgresql" else module.Portable
    assert module.chosen() is expected
