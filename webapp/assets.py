"""Solara's page assets, stored next to the server so the app works without internet.

Solara serves its page's JavaScript and CSS from ``/_solara/cdn/<package>@<version>/``
and, on a first request, fetches them from a public CDN into a cache folder
(``$SOLARA_ASSETS_PROXY_CACHE_DIR``, by default ``<venv>/share/solara/cdn``). A workshop
room, or CI, may have no route to that CDN, and the page then stays blank. This fills the
cache once from the npm registry with ``npm pack`` (the packages are npm packages):

    python -m webapp.assets          # prints the folder it filled

The packages and versions are read from the installed Solara's page template, so they
always match the installed Solara.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path


def _template() -> str:
    import solara.server

    return (Path(solara.server.__file__).parent / "templates" / "solara.html.j2").read_text()


def required() -> list[str]:
    """``package@version`` of every asset the page template loads, for the installed
    ipyvue (Vue 2 or 3 page) and Font Awesome setting."""
    import ipyvue
    from solara.server import settings

    template = _template()
    vue3 = ipyvue.__version__.startswith("3")
    app = "solara-vuetify3-app" if vue3 else "solara-vuetify-app"
    packages = [p for p in re.findall(r"\{\{\s*cdn\s*\}\}/((?:@[\w.-]+/)?[\w.-]+@[\w.-]+)/", template)
                if "solara-vuetify" not in p or f"/{app}@" in p]
    if settings.assets.fontawesome_enabled:
        packages += re.findall(r"^/?((?:@[\w.-]+/)?[\w.-]+@[\w.-]+)/", settings.assets.fontawesome_path)
    return sorted(set(packages))


def cache_dir() -> Path:
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def missing(folder: Path | None = None) -> list[str]:
    folder = folder or cache_dir()
    return [p for p in required() if not (folder / p).is_dir()]


def fetch(packages: list[str], folder: Path) -> None:
    """``npm pack`` each package and unpack it to ``folder/<package@version>/``."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to fetch Solara's page assets (Debian: apt-get install npm)")
    with tempfile.TemporaryDirectory() as tmp:
        for spec in packages:
            out = subprocess.run([npm, "pack", spec, "--silent"], cwd=tmp, capture_output=True, text=True,
                                 timeout=600)
            if out.returncode != 0:
                raise RuntimeError(f"npm pack {spec} failed: {out.stderr.strip()}")
            tgz = Path(tmp) / out.stdout.strip().splitlines()[-1]
            target = folder / spec
            unpacked = Path(tmp) / "unpacked"
            with tarfile.open(tgz) as tar:
                tar.extractall(unpacked, filter="data")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(target, ignore_errors=True)
            shutil.move(str(unpacked / "package"), str(target))
            shutil.rmtree(unpacked)


def ensure(folder: Path | None = None) -> Path:
    """Fetch whatever is missing; returns the folder the server reads."""
    folder = folder or cache_dir()
    todo = missing(folder)
    if todo:
        fetch(todo, folder)
    return folder


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webapp.assets", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=None, help="cache folder (default: Solara's)")
    args = parser.parse_args(argv)
    try:
        print(ensure(args.dir))
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        print(f"could not fetch Solara's assets: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
