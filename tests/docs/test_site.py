"""The built documentation site, as headless Chromium renders it.

Run by ``make docs-test`` after ``make docs``; DOCS_HTML names the site's
folder. Each page is loaded in a fresh Chromium profile and its DOM dumped
after load: the tests read that DOM, not the HTML files.

- The index links to every guide in docs/ and to the reference.
- The reference index links to every module in plugins/modules/ and every
  role in roles/; each of those pages shows its options (and a module its
  return values) in antsibull-docs' option tables, one row per option the
  plugin documents, connection options included.
- Every guide page renders with its own title.
- No page throws a JavaScript error or links to a local file that is missing.
"""

from __future__ import annotations

import ast
import os
import pathlib
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
COLLECTION = "nhncloud.compute"

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--enable-logging=stderr", "--v=0",
)


# ---- what the collection documents ------------------------------------------


def python_string(path: pathlib.Path, name: str, cls: str | None = None) -> str:
    """The string constant ``name`` of a plugin file (inside class ``cls`` if given)."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    if cls is not None:
        body = next(n.body for n in body if isinstance(n, ast.ClassDef) and n.name == cls)
    for node in body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == name:
            return node.value.value
    raise AssertionError(f"{path.name} has no {name}")


def keys(spec: dict | None, nested: str, prefix: str = "") -> set[str]:
    """Option or return names, with nested ones as ``parent/child``."""
    names = set()
    for name, value in (spec or {}).items():
        names.add(prefix + name)
        if isinstance(value, dict):
            names |= keys(value.get(nested), nested, f"{prefix}{name}/")
    return names


def fragment_options(name: str) -> dict:
    """Options of one of this collection's doc fragments (``ns.coll.file[.VAR]``)."""
    parts = name.split(".")
    if ".".join(parts[:2]) != COLLECTION:
        return {}  # ansible.builtin's fragments add attributes, not options
    var = parts[3].upper() if len(parts) > 3 else "DOCUMENTATION"
    path = ROOT / "plugins" / "doc_fragments" / f"{parts[2]}.py"
    return yaml.safe_load(python_string(path, var, "ModuleDocFragment")).get("options") or {}


def module_names() -> list[str]:
    return sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py")
                  if p.stem != "__init__")


def module_docs(name: str) -> tuple[set[str], set[str]]:
    """The option names and return value names module ``name`` documents."""
    path = ROOT / "plugins" / "modules" / f"{name}.py"
    doc = yaml.safe_load(python_string(path, "DOCUMENTATION"))
    options = dict(doc.get("options") or {})
    for fragment in doc.get("extends_documentation_fragment") or []:
        options.update(fragment_options(fragment))
    returns = yaml.safe_load(python_string(path, "RETURN")) or {}
    return keys(options, "suboptions"), keys(returns, "contains")


def role_names() -> list[str]:
    return sorted(p.parent.parent.name
                  for p in (ROOT / "roles").glob("*/meta/argument_specs.yml"))


def role_options(name: str) -> set[str]:
    """``entry--option`` names, as the role page anchors them."""
    specs = yaml.safe_load(
        (ROOT / "roles" / name / "meta" / "argument_specs.yml").read_text(encoding="utf-8")
    )["argument_specs"]
    return {f"{entry}--{option}"
            for entry, spec in specs.items()
            for option in keys(spec.get("options"), "options")}


def guide_names() -> list[str]:
    return sorted(p.stem for p in (ROOT / "docs").glob("*.md"))


def guide_title(name: str) -> str:
    for line in (ROOT / "docs" / f"{name}.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    raise AssertionError(f"docs/{name}.md has no '# ' title")


# ---- the browser ------------------------------------------------------------


class Page(HTMLParser):
    """What the tests read from a rendered DOM."""

    def __init__(self, dom: str):
        super().__init__()
        self.title = ""
        self.h1 = ""
        self.links: list[str] = []          # href and src attributes, as written
        self.tables: list[set[str]] = []    # ids inside each antsibull option table
        self._depth = 0                     # nesting inside the current option table
        self._in = None
        self._icon = False
        self.feed(dom)
        self.title, self.h1 = self.title.strip(), " ".join(self.h1.split())

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "src"):
            if attrs.get(name):
                self.links.append(attrs[name])
        if tag == "table":
            if self._depth:
                self._depth += 1
            elif "ansible-option-table" in (attrs.get("class") or "").split():
                self.tables.append(set())
                self._depth = 1
        if self._depth and attrs.get("id"):
            self.tables[-1].add(attrs["id"])
        if tag in ("title", "h1"):
            self._in = tag
        elif tag == "a" and "headerlink" in (attrs.get("class") or "").split():
            self._icon = True  # the theme puts an icon there

    def handle_endtag(self, tag):
        if tag == "table" and self._depth:
            self._depth -= 1
        if tag == self._in:
            self._in = None
        elif tag == "a":
            self._icon = False

    def handle_data(self, data):
        if self._icon:
            return
        if self._in == "title":
            self.title += data
        elif self._in == "h1":
            self.h1 += data

    def table_with(self, prefix: str) -> set[str]:
        """Names anchored ``prefix-<name>`` in the first option table that has any."""
        for ids in self.tables:
            names = {i[len(prefix) + 1:] for i in ids if i.startswith(prefix + "-")}
            if names:
                return names
        return set()


@pytest.fixture(scope="session")
def site() -> pathlib.Path:
    folder = os.environ.get("DOCS_HTML")
    assert folder, "DOCS_HTML must name the built site's folder (make docs-test sets it)"
    site_dir = pathlib.Path(folder).resolve()
    assert (site_dir / "index.html").is_file(), f"no site in {site_dir}: run make docs"
    return site_dir


@pytest.fixture(scope="session")
def chromium() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium")
    assert found, "chromium is not installed: make setup installs Debian's chromium"
    return found


@pytest.fixture(scope="session")
def render(site, chromium):
    """Load a page of the site in headless Chromium; return its DOM, parsed."""

    def load(relative: str) -> Page:
        path = site / relative
        assert path.is_file(), f"{relative} is not in the site"
        with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
            done = subprocess.run(
                [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                 path.as_uri()],
                capture_output=True, text=True, timeout=120, check=False,
            )
        assert done.returncode == 0, f"chromium failed on {relative}: {done.stderr[-2000:]}"
        errors = [line for line in done.stderr.splitlines()
                  if ":CONSOLE" in line and "Uncaught" in line]
        assert not errors, f"JavaScript errors on {relative}: {errors}"
        page = Page(done.stdout)
        missing = sorted({
            link for link in page.links
            if not urlsplit(link).scheme and urlsplit(link).path
            and not (path.parent / unquote(urlsplit(link).path)).exists()
        })
        assert not missing, f"{relative} links to missing files: {missing}"
        return page

    return load


def targets(page: Page) -> set[str]:
    """The local pages a page links to, without anchors."""
    return {urlsplit(link).path for link in page.links if not urlsplit(link).scheme}


# ---- the tests --------------------------------------------------------------


def test_index_links_the_guides_and_the_reference(render):
    page = render("index.html")

    assert "nhncloud.compute" in page.title
    assert "reference/index.html" in targets(page)
    for name in guide_names():
        assert f"guides/{name}.html" in targets(page), f"the index misses docs/{name}.md"


def test_reference_index_links_every_module_and_role(render):
    page = render("reference/index.html")

    for name in module_names():
        assert f"{name}_module.html" in targets(page), f"no link to module {name}"
    for name in role_names():
        assert f"{name}_role.html" in targets(page), f"no link to role {name}"


@pytest.mark.parametrize("name", module_names())
def test_module_page_shows_options_and_return_values(render, name):
    options, returns = module_docs(name)
    page = render(f"reference/{name}_module.html")

    assert page.h1.startswith(f"{COLLECTION}.{name} module")
    assert options, f"{name} documents no options"
    assert page.table_with("parameter") == options
    assert page.table_with("return") == returns


@pytest.mark.parametrize("name", role_names())
def test_role_page_shows_its_variables(render, name):
    options = role_options(name)
    page = render(f"reference/{name}_role.html")

    assert page.h1.startswith(f"{COLLECTION}.{name} role")
    assert page.table_with("parameter") == options


@pytest.mark.parametrize("name", guide_names())
def test_guide_page_renders(render, name):
    page = render(f"guides/{name}.html")

    assert page.h1 == guide_title(name)
    assert f"{guide_title(name)} " in page.title
