"""Solara's front-end assets, installed for offline use (workshop rooms often have no wifi).

Solara's page loads its JavaScript and CSS from ``/_solara/cdn/<package>@<version>/...``; the
server answers from its proxy cache folder (``<venv>/share/solara/cdn/``) and otherwise fetches
from a public CDN, which is unreachable offline, so the page stays blank. This module reads the
installed Solara's own templates to learn which npm packages (at which versions) the page asks
for, and fills the cache folder from the npm registry with ``npm pack``.

Run it with ``tools/solara-assets`` (``tools/bootstrap`` calls it when the ``viz`` extra is
installed); ``mutualsim viz`` checks the folder and warns when something is missing.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from importlib import resources
from pathlib import Path

# `{{cdn}}/@widgetti/solara-vuetify-app@10.1.1/dist/...` or `${this.getCdn()}/requirejs@2.3.6/`
_REF = re.compile(r"(?:\{\{\s*cdn\s*\}\}|getCdn\(\)\})/((?:@[\w.-]+/)?[\w.-]+)@([\w.+-]+)/")
# Vuetify 3 builds are only used with ipyvuetify 3, which this project pins away (Mesa #3806).
_VUE3_ONLY = ("solara-vuetify3-app",)


def cache_dir() -> Path:
    """Solara's proxy cache folder (where ``/_solara/cdn/...`` is served from)."""
    import solara.server.settings as settings

    return Path(settings.assets.proxy_cache_dir)


def required_packages() -> list[tuple[str, str]]:
    """(npm name, version) of every package the installed Solara page loads from its CDN."""
    import solara.server.settings as settings

    root = resources.files("solara")
    texts = [(root / "server" / "templates" / "solara.html.j2").read_text()]
    vue_dir = root / "widgets" / "vue"
    texts += [f.read_text() for f in vue_dir.iterdir() if f.name.endswith(".vue")]
    texts.append("{{cdn}}" + settings.assets.fontawesome_path)
    found = {m.groups() for text in texts for m in _REF.finditer(text)}
    return sorted((name, ver) for name, ver in found
                  if not any(skip in name for skip in _VUE3_ONLY))


def missing_packages(cache: Path | None = None) -> list[tuple[str, str]]:
    cache = cache or cache_dir()
    return [(n, v) for n, v in required_packages() if not (cache / f"{n}@{v}").is_dir()]


def install(cache: Path | None = None, npm: str = "npm", quiet: bool = False) -> int:
    """Fetch each missing package with ``npm pack`` and unpack it into the cache; return how
    many were installed. Each package is unpacked to a temporary folder and renamed, so a
    folder in the cache is always complete."""
    cache = cache or cache_dir()
    todo = missing_packages(cache)
    if not todo:
        return 0
    if shutil.which(npm) is None:
        raise RuntimeError(f"'{npm}' not found: install Node.js/npm (e.g. apt-get install npm) "
                           "to fetch Solara's front-end assets for offline use")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="solara-assets-") as tmp:
        for name, version in todo:
            spec = f"{name}@{version}"
            out = subprocess.run([npm, "pack", spec, "--silent", "--pack-destination", tmp],
                                 capture_output=True, text=True, cwd=tmp)
            if out.returncode != 0:
                raise RuntimeError(f"npm pack {spec} failed: {out.stderr.strip()[-300:]}")
            tarball = Path(tmp) / out.stdout.strip().splitlines()[-1]
            _unpack(tarball, cache / spec)
            if not quiet:
                print(f"solara-assets: {spec} -> {cache / spec}")
    return len(todo)


def _unpack(tarball: Path, target: Path) -> None:
    staging = target.with_name(f".{target.name}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():  # npm tarballs put everything under 'package/'
            member.name = member.name.split("/", 1)[1] if "/" in member.name else ""
        members = [m for m in tar.getmembers() if m.name]
        tar.extractall(staging, members=members, filter="data")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging.rename(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="solara-assets", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="only report missing packages (exit 1 if any)")
    args = parser.parse_args(argv)
    if args.check:
        missing = missing_packages()
        for name, version in missing:
            print(f"missing: {name}@{version}")
        return 1 if missing else 0
    try:
        n = install()
    except RuntimeError as exc:
        print(f"solara-assets: error: {exc}", file=sys.stderr)
        return 2
    print(f"solara-assets: {n} package(s) installed; {len(required_packages())} in "
          f"{cache_dir()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
