"""Print the tables of docs/security.md "Roles and permissions", made from config/permissions.py."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from config.access import permissions_markdown

    sys.stdout.write(permissions_markdown())


if __name__ == "__main__":
    main()
