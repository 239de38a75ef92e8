"""Build the documentation site: module and role pages plus the guides in docs/.

Usage: build_site.py COLLECTION_DIR OUT_DIR

COLLECTION_DIR is the collection as Ansible finds it (ANSIBLE_COLLECTIONS_PATH
must reach it: antsibull-docs documents the installed copy). OUT_DIR gets
``src/`` (the Sphinx sources) and ``html/`` (the site).

- ``reference/``: antsibull-docs writes one page per module and role from the
  collection's own documentation, and the collection's index page.
- ``guides/``: every ``docs/*.md``, read by myst-parser, so a guide added to
  docs/ appears without touching the build; the pictures in docs/ go with them.
- A paragraph between ``<!-- site: if NAME.md -->`` and ``<!-- site: end -->``
  reaches the site only while docs/NAME.md exists: a guide may point to a
  companion guide that is written separately. GitHub shows both markers as
  nothing and the paragraph as it is.

Sphinx runs with -W --keep-going -n: a broken reference or any other warning
fails the build, after all of them are reported.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys
import zlib

COLLECTION = "nhncloud.compute"
BIN = pathlib.Path(sys.executable).parent

ASSET_SUFFIXES = (".png", ".svg", ".jpg", ".jpeg", ".gif")

# Guides in reading order; any other docs/*.md follows in name order.
FIRST_GUIDES = ("getting-started", "authentication", "sharing", "drift-reports")

ANSIBLE_DOCS = "https://docs.ansible.com/projects/ansible/devel/"
# The labels of the Ansible documentation that generated pages refer to, with
# their pages there. The build is offline, so intersphinx reads them from a
# local inventory written here instead of fetching the site's own.
ANSIBLE_LABELS = {
    "common_return_values": (
        "reference_appendices/common_return_values.html#common-return-values",
        "Return Values",
    ),
}

CONF = '''\
project = "nhncloud.compute"
copyright = "nhncloud.compute contributors"
title = "nhncloud.compute documentation"
html_short_title = "nhncloud.compute"
html_title = "nhncloud.compute documentation"

extensions = ["sphinx.ext.intersphinx", "sphinx_antsibull_ext", "myst_parser"]
source_suffix = {{".rst": "restructuredtext", ".md": "markdown"}}
root_doc = "index"

html_theme = "sphinx_ansible_theme"
html_show_sphinx = False
html_copy_source = False
html_use_index = False
pygments_style = "ansible"
highlight_language = "YAML+Jinja"

myst_heading_anchors = 3
nitpicky = True
intersphinx_mapping = {{
    "ansible_devel": ({docs!r}, "ansible_devel.inv"),
}}
'''

INDEX = """\
nhncloud.compute
================

Ansible modules and a role for images on the NHN Cloud (formerly TOAST)
Image API v2: list, inspect, tag, delete, change visibility, and share golden
images with many tenants, with check mode and diff throughout.

Start with the guides; the reference lists every option and return value.

.. toctree::
   :maxdepth: 1
   :caption: Guides
   :glob:

{guides}

.. toctree::
   :maxdepth: 1
   :caption: Reference

   Modules and role <reference/index>
"""

IF_RE = re.compile(r"^<!-- site: if ([\w.-]+\.md) -->$")
END = "<!-- site: end -->"


class SiteError(Exception):
    """Sources the site cannot be built from."""


def run(*args: str, cwd: pathlib.Path | None = None) -> None:
    # antsibull-docs runs ansible and ansible-doc: the ones beside this Python.
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run(args, cwd=cwd, env=env, check=False)
    if done.returncode != 0:
        raise SiteError(f"{pathlib.Path(args[0]).name} failed with exit code {done.returncode}.")


def site_text(path: pathlib.Path, present: set[str]) -> str:
    """The guide's text for the site: conditional paragraphs kept or dropped."""
    out: list[str] = []
    keep: bool | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        match = IF_RE.match(stripped)
        if match:
            if keep is not None:
                raise SiteError(f"{path.name}:{number}: a 'site: if' inside another one.")
            keep = match.group(1) in present
            continue
        if stripped == END:
            if keep is None:
                raise SiteError(f"{path.name}:{number}: 'site: end' without 'site: if'.")
            keep = None
            continue
        if stripped.startswith("<!-- site:"):
            raise SiteError(f"{path.name}:{number}: unknown marker {stripped}")
        if keep is not False:
            out.append(line)
    if keep is not None:
        raise SiteError(f"{path.name}: a 'site: if' is never closed by '{END}'.")
    return "\n".join(out) + "\n"


def write_inventory(path: pathlib.Path) -> None:
    """A Sphinx inventory (format 2) of the Ansible labels the pages use."""
    lines = "".join(
        f"{label} std:label -1 {uri} {title}\n"
        for label, (uri, title) in sorted(ANSIBLE_LABELS.items())
    )
    header = (
        "# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    path.write_bytes(header.encode() + zlib.compress(lines.encode()))


def reference(src: pathlib.Path) -> None:
    dest = src / "reference"
    dest.mkdir(mode=0o700)  # antsibull-docs wants a folder only its owner can write
    run(str(BIN / "antsibull-docs"), "collection", "--use-current", "--fail-on-error",
        "--squash-hierarchy", "--no-add-antsibull-docs-version", "--dest-dir", str(dest),
        COLLECTION)
    # An orphan page of plugin-declared environment variables: the modules
    # declare none (their options name theirs), so it would only say so.
    (dest / "environment_variables.rst").unlink(missing_ok=True)


def guides(collection: pathlib.Path, src: pathlib.Path) -> list[str]:
    sources = sorted((collection / "docs").glob("*.md"))
    if not sources:
        raise SiteError(f"No guides in {collection / 'docs'}.")
    present = {p.name for p in sources}
    dest = src / "guides"
    dest.mkdir()
    for path in sources:
        (dest / path.name).write_text(site_text(path, present), encoding="utf-8")
    # Pictures and other files the guides show or link, beside them as in docs/.
    for path in sorted((collection / "docs").glob("*.*")):
        if path.suffix.lower() in ASSET_SUFFIXES:
            shutil.copy2(path, dest / path.name)
    first = [f"guides/{name}" for name in FIRST_GUIDES if f"{name}.md" in present]
    # The glob adds the guides not named above (Sphinx skips those already listed).
    return first + (["guides/*"] if len(first) < len(present) else [])


def build(collection: pathlib.Path, out: pathlib.Path) -> None:
    src, html = out / "src", out / "html"
    for folder in (src, html):
        shutil.rmtree(folder, ignore_errors=True)
    src.mkdir(parents=True)

    reference(src)
    entries = guides(collection, src)
    (src / "index.rst").write_text(
        INDEX.format(guides="\n".join(f"   {e}" for e in entries)), encoding="utf-8"
    )
    (src / "conf.py").write_text(CONF.format(docs=ANSIBLE_DOCS), encoding="utf-8")
    write_inventory(src / "ansible_devel.inv")

    run(str(BIN / "sphinx-build"), "-b", "html", "-W", "--keep-going", "-n", "-q",
        str(src), str(html))
    print(f"Site built: {html / 'index.html'}")


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.split("\n\n", 2)[1], file=sys.stderr)
        return 2
    try:
        build(pathlib.Path(sys.argv[1]).resolve(), pathlib.Path(sys.argv[2]).resolve())
    except SiteError as err:
        print(f"build_site: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
