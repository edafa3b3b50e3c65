"""The widget's built files: present in the package, current with widget/src, within budget.

They are built by `npm ci && npm run build` in widget/ and committed, so that installing the
Python package never needs Node. These tests need no Node either.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from importlib import resources
from pathlib import Path

import pytest

STATIC = resources.files("threadline") / "static"
WIDGET_DIR = Path(__file__).resolve().parents[2] / "widget"
REBUILD = "run `npm ci && npm run build` in widget/ and commit the files it writes"

LOADER_BUDGET = 3 * 1024  # bytes, gzip -9
WIDGET_BUDGET = 25 * 1024  # the loader, the widget, and even the fallback stylesheet together
BUILT = ("embed.js", "widget.js", "widget.css")


def _read(name: str) -> bytes:
    return (STATIC / name).read_bytes()


def _gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, 9, mtime=0))


def _manifest() -> dict:  # type: ignore[type-arg]
    data: dict = json.loads(_read("build-manifest.json"))  # type: ignore[type-arg]
    return data


def test_built_files_are_in_the_package() -> None:
    for name in (*BUILT, "build-manifest.json", "demo/demo.css", "demo/favicon.svg"):
        assert (STATIC / name).is_file(), f"static/{name} is missing: {REBUILD}"
    for name in ("demo/front.html", "demo/article.html"):
        assert (STATIC / name).is_file(), f"the demo page template static/{name} is missing"


def test_the_loader_fits_its_budget() -> None:
    size = _gzip_size(_read("embed.js"))
    assert size <= LOADER_BUDGET, f"embed.js is {size} B gzipped; the budget is {LOADER_BUDGET} B"


def test_the_whole_widget_fits_its_budget() -> None:
    sizes = {name: _gzip_size(_read(name)) for name in BUILT}
    total = sum(sizes.values())
    assert total <= WIDGET_BUDGET, f"{sizes}: {total} B gzipped; the budget is {WIDGET_BUDGET} B"


def test_built_files_match_the_manifest() -> None:
    manifest = _manifest()
    for name in BUILT:
        digest = hashlib.sha256(_read(name)).hexdigest()
        assert manifest["files"][name] == digest, f"static/{name} was changed by hand: {REBUILD}"


def test_the_loader_asks_for_this_widget_build() -> None:
    version = hashlib.sha256(_read("widget.js")).hexdigest()[:12]
    assert _manifest()["widget_version"] == version
    assert f"widget.js?v={version}".encode() in _read("embed.js"), REBUILD


def _source_hash(root: Path) -> str:
    """The hash build.mjs records: sorted relative paths and contents of the inputs."""
    files = ["build.mjs", "package.json", "package-lock.json", "tsconfig.json"]
    files += [p.relative_to(root).as_posix() for p in (root / "src").rglob("*") if p.is_file()]
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0")
        digest.update((root / name).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


@pytest.mark.skipif(not (WIDGET_DIR / "src").is_dir(), reason="needs the repository's widget/")
def test_built_files_are_current_with_the_sources() -> None:
    assert _manifest()["sources"] == _source_hash(WIDGET_DIR), (
        f"widget/ changed since the bundles were built: {REBUILD}"
    )


def test_bundles_work_under_a_strict_content_security_policy() -> None:
    for name in ("embed.js", "widget.js"):
        code = _read(name).decode()
        assert not re.search(r"\beval\(|new Function\(|setTimeout\(\s*[\"'`]", code), name
        assert "document.write" not in code, name
        assert ".cssText" not in code and 'setAttribute("style"' not in code, name
    widget = _read("widget.js").decode()
    assert "adoptedStyleSheets" in widget  # styles via a constructed sheet, not <style>
    assert "attachShadow" in widget


def test_bundles_set_no_cookies_and_call_no_third_parties() -> None:
    for name in ("embed.js", "widget.js"):
        code = _read(name).decode()
        assert "document.cookie" not in code, name
        # The only absolute URL is the SVG namespace (inline icons); hosts are never named.
        hosts = set(re.findall(r"https?://([\w-]+(?:\.[\w-]+)+)", code))
        assert hosts <= {"www.w3.org"}, f"{name} mentions {hosts}"
