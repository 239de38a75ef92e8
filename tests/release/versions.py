"""Unit and sanity tests on the newest ansible-core, with the newest Python 3.12+ found.

    versions.py SOURCE VENV

SOURCE is the staged collection (``make stage``); VENV is the tools environment
for this leg, made (or remade when its Python or requirements change) with the
newest Python 3.12 or later on PATH or under pyenv. ansible-core 2.20 and later
need Python 3.12+: when no such Python exists, the leg cannot run on this
machine, and this script says so and ends without error.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
REQUIREMENTS = (HERE / "requirements-newest.txt", REPO / "requirements.txt")
STANDIN = REPO / "tests" / "utils" / "get_pip_standin.py"
PIP_CACHE = Path.home() / ".ansible" / "test" / "cache"
NEWEST_MINOR = 30


def say(text: str) -> None:
    print(f"versions: {text}", flush=True)


def version_of(python: str) -> tuple[int, int] | None:
    """(major, minor) of a Python that runs, or None (a pyenv shim may not)."""
    try:
        done = subprocess.run([python, "-c", "import sys; print(*sys.version_info[:2])"],
                              capture_output=True, text=True, timeout=60, check=False)
    except OSError:
        return None
    if done.returncode != 0:
        return None
    major, minor = done.stdout.split()
    return int(major), int(minor)


def candidates() -> list[str]:
    """Pythons named python3.12 or later on PATH, then under pyenv's versions."""
    found = [shutil.which(f"python3.{minor}") for minor in range(12, NEWEST_MINOR)]
    pyenv = shutil.which("pyenv")
    if pyenv:
        done = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False)
        root = Path(done.stdout.strip())
        if done.returncode == 0 and (root / "versions").is_dir():
            found += sorted(str(p) for p in (root / "versions").glob("*/bin/python3.*")
                            if re.fullmatch(r"python3\.\d+", p.name))
    return [f for f in found if f]


def newest_python() -> tuple[str, tuple[int, int]] | None:
    best = None
    for python in candidates():
        version = version_of(python)
        if version and version >= (3, 12) and (best is None or version > best[1]):
            best = (python, version)
    return best


def run(cmd: list, **kwargs) -> None:
    say(" ".join(map(str, cmd)))
    subprocess.run(cmd, check=True, **kwargs)


def ensure_venv(venv: Path, python: str) -> Path:
    """The venv's bin folder, with the leg's tools installed."""
    stamp = hashlib.sha256(python.encode())
    for path in REQUIREMENTS:
        stamp.update(path.read_bytes())
    marker = venv / ".installed"
    if marker.is_file() and marker.read_text() == stamp.hexdigest():
        return venv / "bin"
    shutil.rmtree(venv, ignore_errors=True)
    run([python, "-m", "venv", str(venv)])
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
           "--disable-pip-version-check"]
    run(pip + ["--upgrade", "pip"])
    run(pip + [arg for path in REQUIREMENTS for arg in ("-r", str(path))])
    marker.write_text(stamp.hexdigest())
    return venv / "bin"


def ensure_pip_standin(bin_dir: Path) -> None:
    """Put the offline get-pip stand-in where this ansible-test looks for its pip pin."""
    code = "import ansible_test, os; print(os.path.dirname(ansible_test.__file__))"
    where = subprocess.run([str(bin_dir / "python"), "-c", code], capture_output=True,
                           text=True, check=True).stdout.strip()
    text = (Path(where) / "_internal" / "python_requirements.py").read_text()
    pin = re.search(r"pip='([0-9.]+)'", text)
    if pin is None:
        raise SystemExit("versions: cannot find ansible-test's pip pin")
    PIP_CACHE.mkdir(parents=True, exist_ok=True)
    target = PIP_CACHE / f"get_pip_{pin.group(1).replace('.', '_')}.py"
    shutil.copyfile(STANDIN, target)
    say(f"get-pip stand-in for pip {pin.group(1)}: {target.name}")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    source, venv = Path(argv[0]).resolve(), Path(argv[1]).resolve()
    best = newest_python()
    if best is None:
        say("no Python 3.12 or newer on PATH or under pyenv: the newest ansible-core "
            "(2.20 and later need Python 3.12+) cannot be tested on this machine. "
            "This is a limit of the machine, not a skipped test: the baseline (Python 3.11,"
            " ansible-core 2.19) is what make units and make sanity test.")
        return 0
    python, (major, minor) = best
    say(f"newest Python found: {major}.{minor} ({python})")

    bin_dir = ensure_venv(venv, python)
    ensure_pip_standin(bin_dir)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
               PYTHONPATH=str(source.parents[2]), ANSIBLE_COLLECTIONS_PATH=str(source.parents[2]))
    subprocess.run([str(bin_dir / "ansible"), "--version"], check=True, env=env)
    run([str(bin_dir / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/unit"],
        cwd=source, env=env)
    run([str(bin_dir / "ansible-test"), "sanity", "--python", f"{major}.{minor}",
         "--color", "no"], cwd=source, env=env)
    say(f"unit and sanity tests passed on Python {major}.{minor} with the newest ansible-core")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
