"""The browser the end-to-end tests drive, found or installed before ``make test`` runs them.

Why a script: a fresh clone has no browser, and the app's browser tests would then end the
run with errors after several minutes. ``make test`` runs ``python tests/browser.py`` first,
which, in this order:

1. uses ``$COLLABSIM_CHROMIUM``, Debian's ``/usr/bin/chromium``, or a browser Playwright
   installed earlier;
2. on a machine with ``apt-get`` run as root (Debian, Ubuntu, CI containers), installs
   Debian's ``chromium``, and ``npm``, which fetches Solara's page assets once;
3. elsewhere, installs Playwright's own Chromium (``playwright install chromium``);

and otherwise stops at once with one line saying what to install. The tests call
``executable()`` from here, so both agree on which browser runs.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

DEBIAN = "/usr/bin/chromium"
HOW = ("no browser for the app's browser tests: as root run 'apt-get install chromium npm', "
       "or run '.venv/bin/python -m playwright install chromium'")


def _playwright_own() -> str | None:
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            path = p.chromium.executable_path
    except Exception:  # Playwright missing, or its driver cannot start: no browser from it
        return None
    return path if path and Path(path).is_file() else None


def executable() -> str | None:
    """The browser to drive: $COLLABSIM_CHROMIUM, Debian's chromium, or Playwright's own."""
    override = os.environ.get("COLLABSIM_CHROMIUM")
    if override:
        return override if Path(override).is_file() else None
    if Path(DEBIAN).is_file():
        return DEBIAN
    return _playwright_own()


def _run(cmd: list[str]) -> bool:
    print("tests/browser.py:", " ".join(cmd), file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL).returncode == 0


def _apt_as_root() -> bool:
    return shutil.which("apt-get") is not None and hasattr(os, "geteuid") and os.geteuid() == 0


def ensure() -> str | None:
    """Find the browser (and npm for the page assets), installing them where this machine allows."""
    wanted = [] if executable() else ["chromium"]
    if not shutil.which("npm"):
        wanted.append("npm")
    if wanted and _apt_as_root():
        if _run(["apt-get", "update", "-qq"]):
            _run(["apt-get", "install", "-y", "-qq", *wanted])
    if not executable() and not os.environ.get("COLLABSIM_CHROMIUM"):
        _run([sys.executable, "-m", "playwright", "install", "chromium"])
    return executable()


def main() -> int:
    override = os.environ.get("COLLABSIM_CHROMIUM")
    if override and not Path(override).is_file():
        print(f"COLLABSIM_CHROMIUM={override} is not a file: point it at a Chromium, or unset it", file=sys.stderr)
        return 1
    found = ensure()
    if found is None:
        print(HOW, file=sys.stderr)
        return 1
    print(found)
    return 0


if __name__ == "__main__":
    sys.exit(main())
