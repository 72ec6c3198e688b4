"""Make sure the browser tests have a Chromium: the system's, or Playwright's own where it can fetch it.

CI installs Debian's chromium before calling `make test`; on a developer's machine without one we
try `playwright install chromium` once. If neither works the browser tests fail (in CI) or say
why they are skipped (elsewhere); this script only prints.
"""

import os
import shutil
import subprocess
import sys

CANDIDATES = [os.environ.get("CHROMIUM_PATH", ""), "/usr/bin/chromium", "/usr/bin/chromium-browser"]


def main() -> int:
    for path in CANDIDATES:
        if path and os.path.exists(path):
            return 0
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        return 0
    if os.environ.get("CI"):
        print("No Chromium found; .ci/run installs Debian's chromium before the tests.", file=sys.stderr)
        return 0
    print("No system Chromium; trying `playwright install chromium` for the browser tests.")
    result = subprocess.run(
        [sys.executable, "-m", "playwright", "install", "chromium"], check=False, timeout=600
    )
    if result.returncode != 0:
        print("Could not install a Chromium; browser tests will be skipped with a reason.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
