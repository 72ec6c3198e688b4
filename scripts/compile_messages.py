"""Compile locale/*/LC_MESSAGES/*.po to .mo with polib, so no GNU gettext is needed to build."""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    count = 0
    for po_path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
        count += 1
    print(f"compiled {count} message catalog(s)")


if __name__ == "__main__":
    main()
