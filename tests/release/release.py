"""Release checks: the tarball Galaxy would get, installed from nothing and run.

    release.py check SOURCE OUT   fragments, tarball contents, README, galaxy.yml,
                                  install into an empty path, one module run
                                  against the local Glance peer (already started)
    release.py ee SOURCE OUT      the execution environment: introspection of the
                                  installed collection and ``ansible-builder create``

SOURCE is a copy of the collection's files (``make stage``); OUT is a folder of
this script's own, emptied first. The tools are taken from the environment that
runs this script.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import bleach
import markdown
import yaml
from bleach_allowlist import markdown_attrs, markdown_tags
from packaging.specifiers import SpecifierSet

HERE = Path(__file__).resolve().parent
PEERCTL = HERE.parent / "peer" / "peerctl.py"
BIN = Path(sys.executable).parent
NAME = "nhncloud.compute"

# Files a build must never carry, planted in the copy that is built: each path
# matches one build_ignore entry (or, for docs/build and bench/results, what
# other make targets write).
PLANTED = (
    ".venvs/tools/bin/python3",
    ".peer/glance.sqlite",
    ".build/peer-vars.yml",
    "tests/output/junit/sanity.xml",
    "tests/integration/integration_config.yml",
    "bench/results/share.json",
    "docs/build/html/index.html",
    "plugins/modules/__pycache__/toast_token.cpython-311.pyc",
    "plugins/module_utils/__pycache__/base.cpython-311.pyc",
    "collections/ansible_collections/nhncloud/compute/galaxy.yml",
    ".pytest_cache/README.md",
    ".hypothesis/examples/x",
    "nhncloud-compute-0.0.9.tar.gz",
)
FORBIDDEN = re.compile(
    r"(^|/)(\.venvs|\.peer|\.build|\.git|\.ci|__pycache__|\.pytest_cache|\.hypothesis)(/|$)"
    r"|^(tests/output|bench/results|docs/build|collections)(/|$)"
    r"|^tests/integration/integration_config\.yml$|\.pyc$|\.tar\.gz$|^Makefile$"
)
REQUIRED = (
    "MANIFEST.json", "FILES.json", "README.md", "LICENSES/GPL-3.0-or-later.txt",
    "meta/runtime.yml", "meta/execution-environment.yml", "requirements.txt", "bindep.txt",
    "changelogs/changelog.yaml", "plugins/doc_fragments/connection.py",
    "plugins/module_utils/base.py", "roles/image_share/tasks/main.yml",
    "roles/image_share/meta/argument_specs.yml",
)
# Galaxy renders a README with Python-Markdown's "extra" extensions, then keeps
# only bleach-allowlist's markdown tags and a few table and code tags.
GALAXY_EXTRA_TAGS = ["pre", "table", "thead", "th", "tr", "td"]
README_MAX_BYTES = 512 * 1024
TAG_RE = re.compile(r"^(?!.*__)[a-z]+[0-9a-z_]*$")


class CheckFailed(Exception):
    """One check found something wrong; the message says what."""


def say(text: str) -> None:
    print(f"release: {text}", flush=True)


def run(cmd: list, cwd=None, env=None) -> str:
    """Run ``cmd``; its output, or CheckFailed with the output when it fails."""
    done = subprocess.run(cmd, cwd=cwd, env=env, text=True, check=False,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise CheckFailed(f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n{done.stdout}")
    return done.stdout


def tool(name: str) -> str:
    return str(BIN / name)


def fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def galaxy_meta(source: Path) -> dict:
    return yaml.safe_load((source / "galaxy.yml").read_text(encoding="utf-8"))


# ---- changelog ---------------------------------------------------------------


def check_changelog(source: Path, out: Path) -> None:
    """Lint the fragments, then release them in a scratch copy."""
    say(run([tool("antsibull-changelog"), "lint"], cwd=source).strip() or "fragments lint clean")
    run([tool("antsibull-changelog"), "lint-changelog-yaml", "changelogs/changelog.yaml"],
        cwd=source)

    version = galaxy_meta(source)["version"]
    scratch = out / "changelog" / "ansible_collections" / "nhncloud" / "compute"
    # The copy keeps the git folder make stage gave it: antsibull-changelog asks
    # git which files belong to the collection, and the enclosing repository
    # ignores the build folder.
    shutil.copytree(source, scratch)
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    run([tool("antsibull-changelog"), "release", "--version", version], cwd=scratch, env=env)

    fragments = sorted((source / "changelogs" / "fragments").glob("*.yml"))
    expected = sum(
        len(entries) for f in fragments
        for section, entries in yaml.safe_load(f.read_text(encoding="utf-8")).items()
        # A release summary is not a change, and trivial ones stay out of it.
        if section not in ("release_summary", "trivial")
    )
    changes = yaml.safe_load((scratch / "changelogs" / "changelog.yaml").read_text())
    release = changes["releases"][version]
    listed = sum(len(v) for k, v in release["changes"].items() if k != "release_summary")
    modules = sorted(p.stem for p in (source / "plugins" / "modules").glob("*.py"))
    new = sorted(m["name"] for m in release.get("modules", []))
    rst = (scratch / "CHANGELOG.rst").read_text(encoding="utf-8")
    if listed != expected:
        raise CheckFailed(f"changelog for {version} lists {listed} changes, fragments hold "
                          f"{expected}")
    if new != modules:
        raise CheckFailed(f"changelog's new modules {new} are not the modules {modules}")
    if f"v{version}" not in rst:
        raise CheckFailed(f"CHANGELOG.rst has no section v{version}")
    say(f"changelog {version}: {len(fragments)} fragments, {listed} changes, "
        f"{len(new)} new modules")


# ---- galaxy.yml and README -------------------------------------------------


def check_galaxy_yml(source: Path) -> None:
    meta = galaxy_meta(source)
    problems = []
    for key in ("namespace", "name", "version", "readme", "authors", "description",
                "license", "tags", "repository", "documentation", "homepage", "issues"):
        if not meta.get(key):
            problems.append(f"{key} is missing or empty")
    for key in ("repository", "documentation", "homepage", "issues"):
        if meta.get(key) and not str(meta[key]).startswith("https://"):
            problems.append(f"{key} is not an https:// URL")
    tags = meta.get("tags") or []
    problems += [f"tag {t!r} is not lower-case letters, digits and _" for t in tags
                 if not TAG_RE.match(str(t))]
    if len(tags) > 20:
        problems.append(f"{len(tags)} tags; Galaxy takes at most 20")
    if meta.get("dependencies") != {}:
        problems.append("dependencies must stay {} (installs run with --no-deps)")
    if problems:
        raise CheckFailed("galaxy.yml: " + "; ".join(problems))
    say(f"galaxy.yml: {meta['namespace']}.{meta['name']} {meta['version']}, {len(tags)} tags")


def _outside_code(text: str) -> list[str]:
    """The README's lines that are not inside fenced code blocks."""
    lines, fenced = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def check_readme(readme: Path) -> None:
    """The README renders on Galaxy as it reads here: nothing stripped, nothing lost."""
    raw = readme.read_bytes()
    text = raw.decode("utf-8")
    if len(raw) > README_MAX_BYTES:
        raise CheckFailed(f"README is {len(raw)} bytes; Galaxy refuses over {README_MAX_BYTES}")
    if not text.startswith("# "):
        raise CheckFailed("README does not start with a '# ' title")

    html = markdown.markdown(text, extensions=["extra"])
    kept = set(markdown_tags) | set(GALAXY_EXTRA_TAGS)
    # The table renderer's own tbody is dropped by Galaxy, its rows kept.
    stripped = sorted(set(re.findall(r"<([a-z][a-z0-9]*)", html)) - kept - {"tbody"})
    clean = bleach.clean(html, tags=list(kept), attributes=markdown_attrs, strip=True)
    problems = [f"Galaxy strips <{tag}>" for tag in stripped]

    prose = _outside_code(text)
    counts = {
        "headings": (sum(1 for line in prose if re.match(r"#{1,6} ", line)),
                     len(re.findall(r"<h[1-6]>", clean))),
        "code blocks": (text.count("\n```") // 2 + text.startswith("```"),
                        clean.count("<pre>")),
        "tables": (sum(1 for line in prose if re.match(r"\|\s*-{3,}", line)),
                   clean.count("<table>")),
        "list items": (sum(1 for line in prose if re.match(r"\s*([-*]|\d+\.) ", line)),
                       clean.count("<li>")),
    }
    problems += [f"{what}: {want} written, {got} rendered"
                 for what, (want, got) in counts.items() if want != got]
    for href in re.findall(r'<(?:a href|img src)="([^"]*)"', clean):
        if not href.startswith("https://"):
            problems.append(f"link {href!r} is not absolute: it breaks on Galaxy")
    if problems:
        raise CheckFailed("README on Galaxy: " + "; ".join(problems))
    say(f"README renders on Galaxy: {len(raw)} bytes, "
        + ", ".join(f"{pair[0]} {what}" for what, pair in counts.items()))


def _pinned_core(path: Path) -> str:
    pins = re.findall(r"^ansible-core==([0-9.]+)$", path.read_text(), re.M)
    if len(pins) != 1:
        raise CheckFailed(f"{path.name} should pin ansible-core once, pins {pins}")
    return pins[0]


def check_supported_versions(source: Path) -> None:
    """requires_ansible, the README and the EE agree with the versions the tests run."""
    runtime = yaml.safe_load((source / "meta" / "runtime.yml").read_text())
    spec = SpecifierSet(runtime["requires_ansible"])
    baseline = _pinned_core(source / "requirements-dev.txt")
    newest = _pinned_core(source / "tests" / "release" / "requirements-newest.txt")
    floor = ".".join(baseline.split(".")[:2]) + ".0"
    problems = [f"tested ansible-core {v} is outside {spec}" for v in (baseline, newest)
                if v not in spec]
    below = floor.split(".")
    below[1] = str(int(below[1]) - 1)
    if floor not in spec or ".".join(below) + ".99" in spec:
        problems.append(f"requires_ansible {spec} does not start at the baseline {floor}")
    if f'`requires_ansible: "{runtime["requires_ansible"]}"`' not in (
            source / "README.md").read_text():
        problems.append("the README does not state requires_ansible as meta/runtime.yml has it")
    ee = yaml.safe_load((source / "meta" / "execution-environment.yml").read_text())
    core = ee["dependencies"]["ansible_core"]["package_pip"].removeprefix("ansible-core")
    problems += [f"the EE's ansible-core {core} excludes tested {v}" for v in (baseline, newest)
                 if v not in SpecifierSet(core)]
    if problems:
        raise CheckFailed("versions: " + "; ".join(problems))
    say(f"requires_ansible {spec}: tested {baseline} and {newest}")


# ---- build and install -------------------------------------------------------


def build(source: Path, out: Path, plant: bool) -> Path:
    """Build the tarball from a copy of ``source``, with junk planted when asked."""
    copy = out / "src" / "compute"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns(".git"))
    if plant:
        for rel in PLANTED:
            (copy / rel).parent.mkdir(parents=True, exist_ok=True)
            (copy / rel).write_text("must not ship\n")
    dist = fresh(out / "dist")
    run([tool("ansible-galaxy"), "collection", "build", "--output-path", str(dist)], cwd=copy)
    tarballs = list(dist.glob("*.tar.gz"))
    if len(tarballs) != 1:
        raise CheckFailed(f"expected one tarball in {dist}, found {len(tarballs)}")
    return tarballs[0]


def check_tarball(tarball: Path, source: Path) -> None:
    with tarfile.open(tarball) as tar:
        names = [m.name.removeprefix("./") for m in tar.getmembers()]
        manifest = json.load(tar.extractfile("MANIFEST.json"))
    shipped = [n for n in names if FORBIDDEN.search(n)]
    missing = [n for n in REQUIRED if n not in names]
    modules = [f"plugins/modules/{p.name}" for p in (source / "plugins/modules").glob("*.py")]
    missing += [n for n in modules if n not in names]
    info = manifest["collection_info"]
    meta = galaxy_meta(source)
    problems = [f"ships {n}" for n in shipped] + [f"lacks {n}" for n in missing]
    for key in ("namespace", "name", "version"):
        if info[key] != meta[key]:
            problems.append(f"MANIFEST {key} {info[key]!r} is not galaxy.yml's {meta[key]!r}")
    if problems:
        raise CheckFailed(f"{tarball.name}: " + "; ".join(problems))
    say(f"{tarball.name}: {len(names)} entries, none that must not ship, "
        f"{len(REQUIRED) + len(modules)} required present")


def install(tarball: Path, out: Path) -> Path:
    """Install into an empty collections path; the installed collection's folder."""
    path = fresh(out / "installed")
    # Seen from the empty path alone: a copy elsewhere (a working copy under
    # ANSIBLE_COLLECTIONS_PATH, ~/.ansible/collections) would count as installed.
    run([tool("ansible-galaxy"), "collection", "install", str(tarball), "-p", str(path),
         "--no-deps"], env=isolated_env(path))
    root = path / "ansible_collections" / "nhncloud" / "compute"
    if not (root / "MANIFEST.json").is_file():
        raise CheckFailed(f"install left no MANIFEST.json in {root}")
    found = sorted(str(p.relative_to(path / "ansible_collections"))
                   for p in (path / "ansible_collections").glob("*/*"))
    if found != ["nhncloud/compute"]:
        raise CheckFailed(f"the install path holds {found}, not just nhncloud/compute")
    return root


def isolated_env(path: Path) -> dict:
    """Ansible that sees only the collections under ``path``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ANSIBLE_", "NHNCLOUD_", "OS_"))}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(path), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
               ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1")
    return env


# ---- one module from the installed copy ------------------------------------

PLAY = """\
- name: One module of the installed collection against the local Glance
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Find the image by name
      nhncloud.compute.toast_image_info:
        name: "{{ image_name }}"
      register: found

    - name: Keep the result
      ansible.builtin.copy:
        content: "{{ found | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
"""


def run_installed_module(root: Path, out: Path) -> None:
    facts = json.loads(run([sys.executable, str(PEERCTL), "status"]))
    alpha = facts["tenants"]["alpha"]
    run([sys.executable, str(PEERCTL), "bulk-create", "alpha", "1", "release-check"])

    work = fresh(out / "run")
    (work / "play.yml").write_text(PLAY)
    env = isolated_env(root.parents[2])
    env.update(NHNCLOUD_TOKEN=alpha["token"], NHNCLOUD_IMAGE_URL=facts["image_url"])
    result_file = work / "result.json"
    log = run([tool("ansible-playbook"), "-vvv", "play.yml",
               "-e", f"image_name=release-check-0000 result_file={result_file}"],
              cwd=work, env=env)

    used = re.findall(r"Using module file (\S+toast_image_info\.py)", log)
    if not used or any(not u.startswith(f"{root}/") for u in used):
        raise CheckFailed(f"toast_image_info did not run from {root}: {used}")
    if alpha["token"] in log:
        raise CheckFailed("the token shows in the -vvv output")
    result = json.loads(result_file.read_text())
    images = result.get("images", [])
    if [(i["name"], i["owner"]) for i in images] != [("release-check-0000", alpha["id"])]:
        raise CheckFailed(f"expected alpha's image release-check-0000, got {images}")
    say(f"installed toast_image_info ran from {used[0]} and found {images[0]['id']}")


# ---- execution environment -------------------------------------------------


def check_introspection(root: Path) -> None:
    """ansible-builder finds the installed collection's Python and system needs."""
    out = yaml.safe_load(run([tool("ansible-builder"), "introspect", str(root.parents[2])]))
    requirements = _lines(root / "requirements.txt")
    bindep = _lines(root / "bindep.txt")
    # ansible-builder drops what every execution environment already has.
    wanted_py = [r for r in requirements if not r.lower().startswith("pyyaml")]
    got_py = [r.split("  #")[0] for r in out.get("python") or []]
    got_sys = [r.split("  #")[0] for r in out.get("system") or []]
    if got_py != wanted_py or got_sys != bindep:
        raise CheckFailed(f"introspection found python {got_py} and system {got_sys}, "
                          f"not {wanted_py} and {bindep}")
    if not all(r.endswith(f"# from collection {NAME}") for r in out["python"] + out["system"]):
        raise CheckFailed(f"introspection did not attribute the needs to {NAME}: {out}")
    say(f"introspection of the installed collection: python {got_py}, system {got_sys}")


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def create_context(definition_dir: Path, context: Path) -> Path:
    run([tool("ansible-builder"), "create", "--file", "execution-environment.yml",
         "--context", str(context), "--output-filename", "Containerfile"], cwd=definition_dir)
    containerfile = context / "Containerfile"
    if not containerfile.is_file():
        raise CheckFailed(f"ansible-builder create left no Containerfile in {context}")
    return containerfile


def check_collection_ee(root: Path, out: Path) -> None:
    """The collection's own definition builds a context with its requirements."""
    # ansible-builder reads a definition's files relative to the definition's
    # folder, and a collection's relative to the collection root: so build
    # from a copy of the installed collection, with the definition at its root.
    copy = out / "ee-collection" / "compute"
    shutil.copytree(root, copy)
    shutil.copy(copy / "meta" / "execution-environment.yml", copy / "execution-environment.yml")
    context = out / "ee-collection" / "context"
    containerfile = create_context(copy, context).read_text()

    build = context / "_build"
    problems = []
    for name in ("requirements.txt", "bindep.txt"):
        if not (build / name).is_file() or _lines(build / name) != _lines(root / name):
            problems.append(f"_build/{name} is not the collection's {name}")
    galaxy = yaml.safe_load((build / "requirements.yml").read_text())
    if [c["name"] for c in galaxy.get("collections", [])] != [NAME]:
        problems.append(f"_build/requirements.yml does not install {NAME}: {galaxy}")
    for step in ("COPY _build/requirements.txt requirements.txt",
                 "COPY _build/bindep.txt bindep.txt",
                 "--user-pip=requirements.txt --user-bindep=bindep.txt",
                 "ansible-galaxy collection install"):
        if step not in containerfile:
            problems.append(f"Containerfile lacks {step!r}")
    if "ansible-core>=2.19.0" not in containerfile:
        problems.append("Containerfile does not install ansible-core 2.19 or newer")
    if problems:
        raise CheckFailed("collection EE: " + "; ".join(problems))
    say(f"ansible-builder create from meta/execution-environment.yml: {context}")


def doc_definition(doc: Path) -> dict:
    """The execution environment definition shown in docs/awx.md."""
    blocks = re.findall(r"```yaml\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    found = [yaml.safe_load(b) for b in blocks if re.match(r"(#.*\n)*version: 3\n", b)]
    if len(found) != 1:
        raise CheckFailed(f"{doc} should show one definition (version: 3), shows {len(found)}")
    return found[0]


def check_doc_ee(source: Path, out: Path) -> None:
    """The definition docs/awx.md gives users builds a context that installs the collection."""
    folder = fresh(out / "ee-doc")
    definition = doc_definition(source / "docs" / "awx.md")
    (folder / "execution-environment.yml").write_text(yaml.safe_dump(definition))
    containerfile = create_context(folder, folder / "context").read_text()
    galaxy = yaml.safe_load((folder / "context/_build/requirements.yml").read_text())
    names = [c["name"] for c in galaxy.get("collections", [])]
    if NAME not in names or "/output/scripts/introspect.py introspect" not in containerfile:
        raise CheckFailed("the docs' definition does not install the collection and read "
                          f"its requirements: collections {names}")
    say("ansible-builder create from the definition in docs/awx.md")


# ---- main ----------------------------------------------------------------------


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in ("check", "ee"):
        print(__doc__, file=sys.stderr)
        return 2
    what, source, out = argv[0], Path(argv[1]).resolve(), Path(argv[2]).resolve()
    fresh(out)
    try:
        if what == "check":
            check_changelog(source, out)
            check_galaxy_yml(source)
            check_supported_versions(source)
            check_readme(source / "README.md")
            tarball = build(source, out, plant=True)
            check_tarball(tarball, source)
            root = install(tarball, out)
            run_installed_module(root, out)
        else:
            root = install(build(source, out, plant=False), out)
            check_introspection(root)
            check_collection_ee(root, out)
            check_doc_ee(source, out)
    except CheckFailed as err:
        print(f"release {what}: FAILED: {err}", file=sys.stderr)
        return 1
    say(f"{what}: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
