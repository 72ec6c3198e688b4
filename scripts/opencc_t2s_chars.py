"""Write ``analysis/data/opencc_t2s_chars.txt``: every character that can make OpenCC's ``t2s``
conversion change a text.

Run again after upgrading the ``opencc`` package (the file names the version it was made from;
with any other version ``analysis.text.normalise`` converts every text that has an ideograph).

The set is read from the installed package's own dictionaries (dumped to text with its
``opencc_dict`` tool): every single character whose entry's first candidate differs from it,
and for every phrase entry that changes its key and holds none of those characters, the
characters it changes (all of its characters when the lengths differ). OpenCC converts a text
segment by segment, each segment a dictionary key or a single character; a segment whose entry
changes it holds one of these characters, so a text holding none of them converts to itself.
(Phrase entries such as 反覆 -> 反复 put 覆 in the set although 覆 alone is left as it is.)
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

import opencc

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "analysis" / "data" / "opencc_t2s_chars.txt"
CLIB = Path(opencc.__file__).resolve().parent / "clib"
SHARE = CLIB / "share" / "opencc"


def _dictionary_files(config: dict) -> list[str]:
    files = []

    def walk(node: dict) -> None:
        if node.get("type") == "group":
            for child in node["dicts"]:
                walk(child)
        else:
            files.append(node["file"])

    for step in (*config.get("normalization", []), *config["conversion_chain"]):
        walk(step["dict"])
    return files


def _entries(name: str) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "dict.txt"
        env = {**os.environ, "LD_LIBRARY_PATH": str(CLIB / "lib64")}
        tool = str(CLIB / "bin" / "opencc_dict")
        subprocess.run(
            [tool, "-i", str(SHARE / name), "-o", str(out), "-f", "ocd2", "-t", "text"],
            check=True,
            env=env,
        )
        pairs = []
        for line in out.read_text(encoding="utf-8").splitlines():
            key, values = line.split("\t", 1)
            pairs.append((key, values.split(" ")[0]))
        return pairs


def main() -> None:
    config = json.loads((SHARE / "t2s.json").read_text(encoding="utf-8"))
    changed = [(k, v) for name in _dictionary_files(config) for k, v in _entries(name) if v != k]
    changing: set[str] = {key for key, _ in changed if len(key) == 1}
    for key, value in changed:
        if changing.isdisjoint(key):  # a phrase none of whose characters is in the set yet
            if len(value) == len(key):  # the characters the entry changes
                changing.update(a for a, b in zip(key, value, strict=True) if a != b)
            else:
                changing.update(key)
    chars = sorted(changing)
    lines = [f"# OpenCC {opencc.__version__} t2s: {len(chars)} characters that can change a text"]
    lines += ["".join(chars[i : i + 64]) for i in range(0, len(chars), 64)]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(chars)} characters to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
