"""Benchmarks: the collection beside the fewest requests and the OpenStack CLI.

``make bench`` runs this with the bench's own Python (requests, matplotlib).
It starts a local Glance of its own (state in .build/bench-peer, apart from the
test peer), creates the data, runs every workload BENCH_RUNS times per tool,
counts the HTTP requests the servers saw (the peer's request log), and writes
the results table into a Markdown file between markers, a JSON file of every
measurement, and a plot of wall time against the number of tenants.

Workloads and tools:
  share  one image shared with BENCH_TENANTS tenants, the rerun, and an
         exclusive sync down to half; for the plot, the first run at every
         size of BENCH_SIZES. Tools: toast_image_member (one task; also with
         each parallel of BENCH_PARALLEL), the limit script, the CLI loop.
         Then the module and the limit again behind a proxy that adds
         BENCH_RTT_MS of round trip to every request (bench/latency_proxy.py).
  list   BENCH_IMAGES private images: list them all, and find one by name.
         Tools: toast_image_info, the limit, the CLI, openstack.cloud.image_info.
  drift  the image_share role in check mode over BENCH_DRIFT_IMAGES images of
         BENCH_DRIFT_MEMBERS members each. Tools: the role, the limit, the CLI.
  noop   one task of ansible.builtin.ping: Ansible's fixed cost per task.

Every setting comes from the environment (see SETTINGS). Request-count
targets do not depend on the machine's speed: a miss fails the run. Time
targets are ratios measured in the same run and reported as PASS or MISS.

    python bench/run.py --doc docs/performance.md --plot docs/performance-share.png
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VENVS = os.path.join(ROOT, ".venvs")
PEERCTL = os.path.join(ROOT, "tests", "peer", "peerctl.py")
BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"

SETTINGS = {
    "BENCH_RUNS": ("3", "repeats of every workload and tool"),
    "BENCH_CLI_RUNS": ("", "repeats of the CLI at BENCH_TENANTS (default BENCH_RUNS)"),
    "BENCH_PLOT_RUNS": ("", "repeats at the other sizes (default BENCH_RUNS)"),
    "BENCH_CLI_PLOT_RUNS": ("1", "repeats of the CLI at the other sizes"),
    "BENCH_TENANTS": ("100", "tenants of the share workload"),
    "BENCH_SIZES": ("10 50 100 127", "tenant counts of the plot"),
    "BENCH_PARALLEL": ("4 8", "parallel values of toast_image_member to compare with 1"),
    "BENCH_RTT_MS": ("20", "round trip added in front of Glance to measure parallel "
                           "the way a remote API answers; 0 leaves it out"),
    "BENCH_IMAGES": ("1000", "private images of the list workload"),
    "BENCH_DRIFT_IMAGES": ("20", "images of the drift workload"),
    "BENCH_DRIFT_MEMBERS": ("10", "members per image of the drift workload"),
    "BENCH_WORKLOADS": ("share list drift", "the workloads to run"),
    "BENCH_CLI": ("1", "0 leaves the OpenStack CLI out"),
    "BENCH_OSCLOUD": ("1", "0 leaves openstack.cloud out"),
}


def setting(name: str) -> str:
    return os.environ.get(name) or SETTINGS[name][0]


def ints(name: str) -> list[int]:
    return [int(v) for v in setting(name).split()]


# ---- the local Glance and the identity stand-in ---------------------------


class Peer:
    """The bench's own Glance peer, its request log, and the CLI's identity stand-in."""

    def __init__(self, state_dir: str):
        self.dir = os.path.abspath(state_dir)
        self.env = dict(os.environ, NHNCLOUD_PEER_DIR=self.dir)
        self.identity_cli = None
        self.proxy = None
        self.facts: dict = {}

    def ctl(self, *args: str) -> None:
        subprocess.run([sys.executable, PEERCTL, *args], env=self.env, check=True,
                       stdout=subprocess.DEVNULL)

    def start(self) -> None:
        self.ctl("start")
        with open(os.path.join(self.dir, "peer.json"), encoding="utf-8") as f:
            self.facts = json.load(f)
        port = free_port()
        self.identity_cli = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "identity_cli.py"), "--port", str(port),
             "--log", self.log],
            start_new_session=True,
        )
        self.identity_cli_url = f"http://127.0.0.1:{port}/v3"
        wait_for(self.identity_cli_url)

    def start_proxy(self, rtt_ms: float) -> str:
        """A latency proxy in front of Glance; returns its image URL."""
        port = free_port()
        glance = self.image_url.rsplit(":", 1)[1]
        self.proxy = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "latency_proxy.py"), "--port", str(port),
             "--target-port", glance, "--rtt-ms", str(rtt_ms)],
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        wait_for(url + "/versions")
        return url

    def stop(self) -> None:
        if self.proxy is not None:
            os.killpg(self.proxy.pid, signal.SIGTERM)
            self.proxy.wait(timeout=10)
        if self.identity_cli is not None:
            os.killpg(self.identity_cli.pid, signal.SIGTERM)
            self.identity_cli.wait(timeout=10)
        self.ctl("stop")

    @property
    def log(self) -> str:
        return os.path.join(self.dir, "requests.log")

    @property
    def image_url(self) -> str:
        return self.facts["image_url"]

    def tenant(self, name: str) -> dict:
        return self.facts["tenants"][name]

    def mark(self) -> int:
        try:
            with open(self.log, "rb") as f:
                return sum(1 for _line in f)
        except FileNotFoundError:
            return 0

    def since(self, mark: int) -> list[dict]:
        with open(self.log, encoding="utf-8") as f:
            return [json.loads(line) for line in f.readlines()[mark:]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str) -> None:
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


class Api:
    """Direct API calls for setting up and checking, never timed."""

    def __init__(self, peer: Peer, tenant: str):
        self.url = peer.image_url + "/v2/images"
        self.s = requests.Session()
        self.s.headers.update({"X-Auth-Token": peer.tenant(tenant)["token"],
                               "Accept": "application/json"})

    def create(self, name: str, visibility: str = "shared") -> str:
        body = {"name": name, "visibility": visibility, "disk_format": "raw",
                "container_format": "bare"}
        response = self.s.post(self.url, json=body, timeout=30)
        response.raise_for_status()
        return response.json()["id"]

    def delete(self, image: str) -> None:
        self.s.delete(f"{self.url}/{image}", timeout=30)

    def members(self, image: str) -> set[str]:
        response = self.s.get(f"{self.url}/{image}/members", timeout=30)
        response.raise_for_status()
        return {row["member_id"] for row in response.json()["members"]}

    def add(self, image: str, member: str) -> None:
        self.s.post(f"{self.url}/{image}/members", json={"member": member},
                    timeout=30).raise_for_status()

    def remove(self, image: str, member: str) -> None:
        self.s.delete(f"{self.url}/{image}/members/{member}", timeout=30).raise_for_status()


def tenant_ids(count: int) -> list[str]:
    return [hashlib.md5(f"bench-tenant-{n}".encode()).hexdigest() for n in range(count)]


# ---- measuring -------------------------------------------------------------


@dataclass
class Sample:
    seconds: float
    image: int
    identity: int
    writes: int
    errors: int
    statuses: dict = field(default_factory=dict)


class Bench:
    """Timed runs, booked by key (workload/size/tool/phase)."""

    def __init__(self, peer: Peer):
        self.peer = peer
        self.samples: dict[str, list[Sample]] = {}

    def run(self, key: str, argv: list[str], env: dict) -> str:
        """Run one command, timed; book its time and the requests it caused under ``key``."""
        mark = self.peer.mark()
        start = time.perf_counter()
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"{key}: {' '.join(argv[:4])}... exited {proc.returncode}\n"
                             f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        seen = self.peer.since(mark)
        image = [r for r in seen if r["service"] == "image"]
        statuses: dict = {}
        for r in image:
            statuses[str(r["status"])] = statuses.get(str(r["status"]), 0) + 1
        sample = Sample(
            seconds=seconds,
            image=len(image),
            identity=len(seen) - len(image),
            writes=sum(1 for r in image if r["method"] not in ("GET", "HEAD")),
            errors=sum(1 for r in image if (r["status"] or 0) >= 500),
            statuses=statuses,
        )
        self.samples.setdefault(key, []).append(sample)
        print(f"  {key:34} {seconds:8.2f} s  {sample.image:4} image + "
              f"{sample.identity} identity requests", flush=True)
        return proc.stdout


def summary(samples: list[Sample]) -> dict:
    times = [s.seconds for s in samples]
    return {
        "runs": len(samples),
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "image": statistics.median([s.image for s in samples]),
        "image_all": sorted({s.image for s in samples}),
        "identity": statistics.median([s.identity for s in samples]),
        "writes": statistics.median([s.writes for s in samples]),
        "writes_max": max(s.writes for s in samples),
        "errors": sum(s.errors for s in samples),
    }


# ---- the tools -------------------------------------------------------------


class Tools:
    """Command lines and environments for each tool."""

    def __init__(self, peer: Peer, work: str):
        self.peer = peer
        self.work = work
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("NHNCLOUD_", "OS_", "BENCH_TOKEN"))}
        self.base = base
        self.ansible = dict(
            base,
            ANSIBLE_LOCALHOST_WARNING="false",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
            ANSIBLE_FORCE_COLOR="0",
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_COLLECTIONS_PATH=os.environ.get("ANSIBLE_COLLECTIONS_PATH",
                                                    os.path.join(ROOT, ".build")),
        )
        self.clouds = os.path.join(work, "clouds.yaml")
        self.write_clouds()

    def write_clouds(self) -> None:
        lines = ["clouds:"]
        for name in ("alpha", "beta", "gamma"):
            lines += [
                f"  {name}:",
                "    auth_type: admin_token",
                "    auth:",
                f"      token: {self.peer.tenant(name)['token']}",
                f"      endpoint: {self.peer.image_url}/v2",
                f"    identity_endpoint_override: {self.peer.identity_cli_url}",
            ]
        with open(self.clouds, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        os.chmod(self.clouds, 0o600)

    def token_env(self, tenant: str, env: dict) -> dict:
        return dict(env, NHNCLOUD_TOKEN=self.peer.tenant(tenant)["token"],
                    NHNCLOUD_IMAGE_URL=self.peer.image_url)

    def password_env(self, tenant: str, env: dict) -> dict:
        t = self.peer.tenant(tenant)
        return dict(env, NHNCLOUD_AUTH_URL=self.peer.facts["auth_url"],
                    NHNCLOUD_TENANT_ID=t["id"], NHNCLOUD_USERNAME=t["username"],
                    NHNCLOUD_API_PASSWORD=t["password"])

    def vars_file(self, name: str, data: dict) -> str:
        path = os.path.join(self.work, f"{name}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(data, f)
        return path

    def playbook(self, name: str, extra: dict, check: bool = False,
                 venv: str = "tools") -> list[str]:
        argv = [os.path.join(VENVS, venv, "bin", "ansible-playbook"),
                os.path.join(HERE, "playbooks", name), "-e", "@" + self.vars_file(name, extra)]
        return argv + (["--check"] if check else [])

    def limit(self, *args: str) -> list[str]:
        return [sys.executable, os.path.join(HERE, "limit.py"), *args]

    def limit_env(self, tenant: str) -> dict:
        return dict(self.base, BENCH_TOKEN=self.peer.tenant(tenant)["token"])

    def cli(self, *args: str) -> list[str]:
        return ["bash", os.path.join(HERE, "cli.sh"), *args]

    def cli_env(self, tenant: str) -> dict:
        return dict(self.base, OS_CLIENT_CONFIG_FILE=self.clouds, OS_CLOUD=tenant,
                    OPENSTACK=os.path.join(VENVS, "osc", "bin", "openstack"))

    def oscloud_env(self, tenant: str) -> dict:
        clouds = os.path.join(self.work, f"clouds-{tenant}.yaml")
        with open(self.clouds, encoding="utf-8") as f:
            text = f.read()
        # openstack.cloud's tasks name the cloud `bench`.
        with open(clouds, "w", encoding="utf-8") as f:
            f.write(text.replace(f"  {tenant}:", "  bench:", 1))
        os.chmod(clouds, 0o600)
        return dict(self.ansible, OS_CLIENT_CONFIG_FILE=clouds)


# ---- the workloads -----------------------------------------------------------


@dataclass
class ShareRun:
    """One tool's share run on a fresh image: first, then (at the main size) the rest."""

    bench: Bench
    tools: Tools
    api: Api
    problems: list
    image: str
    key: str
    tenants: list
    keep: list
    full: bool
    url: str = ""

    @property
    def image_url(self) -> str:
        return self.url or self.tools.peer.image_url

    def check(self, want: list[str], phase: str) -> None:
        have = self.api.members(self.image)
        if have != set(want):
            self.problems.append(f"{self.key}/{phase}: the image has {len(have)} members, "
                                 f"not the {len(want)} asked for")

    def module(self, parallel: int) -> None:
        env = dict(self.tools.token_env("alpha", self.tools.ansible),
                   NHNCLOUD_IMAGE_URL=self.image_url)

        def task(members, exclusive=False):
            return self.tools.playbook("share.yml", {
                "bench_image": self.image, "bench_members": members,
                "bench_exclusive": exclusive, "bench_parallel": parallel})

        self.bench.run(f"{self.key}/first", task(self.tenants), env)
        self.check(self.tenants, "first")
        if self.full and parallel == 1:
            self.bench.run(f"{self.key}/rerun", task(self.tenants), env)
        if self.full:
            self.bench.run(f"{self.key}/exclusive", task(self.keep, True), env)
            self.check(self.keep, "exclusive")

    def limit(self) -> None:
        env = self.tools.limit_env("alpha")
        url = self.image_url
        share = self.tools.limit("share", url, self.image, *self.tenants)
        self.bench.run(f"{self.key}/first", share, env)
        self.check(self.tenants, "first")
        if self.full:
            self.bench.run(f"{self.key}/rerun", share, env)
            self.bench.run(f"{self.key}/exclusive", self.tools.limit(
                "share", "--exclusive", url, self.image, *self.keep), env)
            self.check(self.keep, "exclusive")

    def cli(self) -> None:
        env = self.tools.cli_env("alpha")
        size = len(self.tenants)
        share = self.tools.cli("share", self.image, *self.tenants)
        out = self.bench.run(f"{self.key}/first", share, env)
        self.calls(out, size, 0, "first")
        self.check(self.tenants, "first")
        if self.full:
            # The loop users run again: every add meets "already a member" and fails.
            out = self.bench.run(f"{self.key}/rerun", share, env)
            self.calls(out, size, size, "rerun")
            out = self.bench.run(f"{self.key}/exclusive",
                                 self.tools.cli("exclusive", self.image, *self.keep), env)
            self.calls(out, 1 + size - len(self.keep), 0, "exclusive")
            self.check(self.keep, "exclusive")

    def calls(self, out: str, calls: int, failed: int, phase: str) -> None:
        last = out.strip().splitlines()[-1] if out.strip() else ""
        if last != f"calls={calls} failed={failed}":
            self.problems.append(f"{self.key}/{phase}: the CLI loop said {last!r}, "
                                 f"not calls={calls} failed={failed}")


def workload_share(bench: Bench, tools: Tools, api: Api, problems: list[str]) -> None:
    main = int(setting("BENCH_TENANTS"))
    sizes = sorted(set(ints("BENCH_SIZES")) | {main})
    runs = int(setting("BENCH_RUNS"))
    plot_runs = int(setting("BENCH_PLOT_RUNS") or runs)
    everyone = tenant_ids(max(sizes))
    for size in sizes:
        full = size == main
        counts = {"module": runs if full else plot_runs, "limit": runs if full else plot_runs}
        if setting("BENCH_CLI") == "1":
            counts["cli"] = int(setting("BENCH_CLI_RUNS") or runs) if full \
                else int(setting("BENCH_CLI_PLOT_RUNS"))
        if full:
            counts.update({f"module-p{p}": runs for p in ints("BENCH_PARALLEL")})
        print(f"share, {size} tenants", flush=True)
        for run in range(max(counts.values())):
            if full:
                bench.run("noop", tools.playbook("noop.yml", {}), tools.ansible)
            for tool, count in counts.items():
                if run >= count:
                    continue
                image = api.create(f"bench-share-{tool}-{size}-{run}")
                one = ShareRun(bench, tools, api, problems, image, f"share/{size}/{tool}",
                               everyone[:size], everyone[:size // 2], full)
                if tool == "limit":
                    one.limit()
                elif tool == "cli":
                    one.cli()
                else:
                    one.module(int(tool[8:]) if tool.startswith("module-p") else 1)
                api.delete(image)
    rtt = float(setting("BENCH_RTT_MS"))
    if rtt > 0:
        share_rtt(bench, tools, api, problems, everyone[:main], rtt)


def share_rtt(bench: Bench, tools: Tools, api: Api, problems: list[str],
              tenants: list[str], rtt: float) -> None:
    """The module, with each parallel, and the limit behind the latency proxy."""
    url = tools.peer.start_proxy(rtt)
    size = len(tenants)
    print(f"share, {size} tenants, +{rtt:g} ms round trip", flush=True)
    tools_here = ["limit", "module"] + [f"module-p{p}" for p in ints("BENCH_PARALLEL")]
    for run in range(int(setting("BENCH_RUNS"))):
        for tool in tools_here:
            image = api.create(f"bench-share-rtt-{tool}-{run}")
            one = ShareRun(bench, tools, api, problems, image, f"share-rtt/{size}/{tool}",
                           tenants, tenants[:size // 2], True, url)
            if tool == "limit":
                one.limit()
            else:
                one.module(int(tool[8:]) if tool.startswith("module-p") else 1)
            api.delete(image)


def workload_list(bench: Bench, tools: Tools, peer: Peer) -> None:
    count = int(setting("BENCH_IMAGES"))
    runs = int(setting("BENCH_RUNS"))
    tenant = "beta"
    print(f"list, {count} images", flush=True)
    subprocess.run([sys.executable, PEERCTL, "bulk-create", tenant, str(count), "bench-list"],
                   env=peer.env, check=True, stdout=subprocess.DEVNULL)
    name = f"bench-list-{count // 2:04d}"
    module_env = tools.token_env(tenant, tools.ansible)
    use_cli = setting("BENCH_CLI") == "1"
    use_oscloud = setting("BENCH_OSCLOUD") == "1"
    for _run in range(runs):
        for mode, wanted, expect in (("all", "", count), ("name", name, 1)):
            key = f"list/{mode}"
            bench.run(f"{key}/module", tools.playbook(
                "list.yml", {"bench_name": wanted, "bench_expect": expect}), module_env)
            argv = ["list", tools.peer.image_url] + (["--name", wanted] if wanted else [])
            out = bench.run(f"{key}/limit", tools.limit(*argv), tools.limit_env(tenant))
            if json.loads(out)["images"] != expect:
                raise SystemExit(f"{key}/limit found {out.strip()}, not {expect} images")
            if use_cli:
                argv = ["list-name", wanted] if wanted else ["list"]
                out = bench.run(f"{key}/cli", tools.cli(*argv), tools.cli_env(tenant))
                if f"images={expect}" not in out:
                    raise SystemExit(f"{key}/cli: {out.strip()[-200:]}")
            if use_oscloud:
                bench.run(f"{key}/oscloud", tools.playbook(
                    "oscloud_list.yml", {"bench_name": wanted, "bench_expect": expect},
                    venv="oscloud"), tools.oscloud_env(tenant))


def workload_drift(bench: Bench, tools: Tools, peer: Peer, problems: list[str]) -> None:
    images = int(setting("BENCH_DRIFT_IMAGES"))
    members = int(setting("BENCH_DRIFT_MEMBERS"))
    runs = int(setting("BENCH_RUNS"))
    tenant = "gamma"
    api = Api(peer, tenant)
    print(f"drift, {images} images x {members} members", flush=True)
    shares = []
    for n in range(images):
        name = f"bench-drift-{n:03d}"
        image = api.create(name)
        wanted = tenant_ids(members + n)[n:]
        for member in wanted:
            api.add(image, member)
        shares.append({"image": name, "members": wanted, "exclusive": True})
        if n == 0:
            # The drift to find: one member gone behind the role's back.
            api.remove(image, wanted[0])
    spec = tools.vars_file("drift-spec", shares)
    owner = peer.tenant(tenant)["id"]
    role_env = tools.password_env(tenant, tools.ansible)
    for _run in range(runs):
        out = bench.run("drift/role", tools.playbook(
            "drift.yml", {"bench_shares": shares}, check=True), role_env)
        drifted = re.findall(r'"(bench-drift-\d+) \([0-9a-f-]+\): would change', out)
        if drifted != [shares[0]["image"]]:
            problems.append(f"drift/role reported {drifted}, not [{shares[0]['image']}]")
        out = bench.run("drift/limit", tools.limit("drift", tools.peer.image_url, owner, spec),
                        tools.limit_env(tenant))
        if [d["image"] for d in json.loads(out)["drifted"]] != [shares[0]["image"]]:
            problems.append(f"drift/limit reported {out.strip()}")
        if setting("BENCH_CLI") == "1":
            out = bench.run("drift/cli", tools.cli("drift", *[s["image"] for s in shares]),
                            tools.cli_env(tenant))
            found = {line.split()[1] for line in out.splitlines()
                     if line.startswith(shares[0]["image"] + " ")}
            if found != set(shares[0]["members"][1:]):
                problems.append("drift/cli did not read the first image's members")


# ---- targets -------------------------------------------------------------------


@dataclass
class Target:
    name: str
    measured: str
    goal: str
    passed: bool
    margin: str
    counts: bool  # a request-count target: a miss fails the run


def ratio_target(name, value, goal, at_most, detail) -> Target:
    passed = value <= goal if at_most else value >= goal
    if at_most:
        margin = (f"{(1 - value / goal) * 100:.0f}% under" if passed
                  else f"{(value / goal - 1) * 100:.0f}% over")
        sign = "≤"
    else:
        margin = (f"{(value / goal - 1) * 100:.0f}% above" if passed
                  else f"{(1 - value / goal) * 100:.0f}% short")
        sign = "≥"
    return Target(name, f"{value:.2f}× ({detail})", f"{sign} {goal:g}×", passed, margin, False)


def count_target(name, values, goal, detail="") -> Target:
    worst = max(values)
    passed = worst <= goal
    margin = f"{goal - worst} to spare" if passed else f"{worst - goal} over"
    shown = str(worst) if len(set(values)) == 1 else f"{min(values)}–{worst}"
    return Target(name, shown + (f" ({detail})" if detail else ""), f"≤ {goal}", passed,
                  margin, True)


def targets(results: dict, settings: dict) -> list[Target]:
    out = []
    main = settings["BENCH_TENANTS"]
    share = f"share/{main}"

    def s(key):
        return results.get(key)

    first, rerun = s(f"{share}/module/first"), s(f"{share}/module/rerun")
    if first:
        out.append(count_target(f"share {main}, first run: requests (token, image by ID)",
                                first["image_all"], main + 3))
    if rerun:
        out.append(count_target(f"share {main}, rerun: requests", rerun["image_all"], 3))
        out.append(count_target(f"share {main}, rerun: writes", [rerun["writes_max"]], 0))
    noop, limit = s("noop"), s(f"{share}/limit/first")
    if first and noop and limit:
        own = max(first["median"] - noop["median"], 0.0)
        out.append(ratio_target(
            f"share {main}, first run: module's own time / limit", own / limit["median"], 1.3,
            True, f"{own:.2f} s = {first['median']:.2f} − {noop['median']:.2f} s no-op, "
                  f"vs {limit['median']:.2f} s"))
    cli = s(f"{share}/cli/first")
    if first and cli:
        out.append(ratio_target(
            f"share {main}, first run: CLI loop / module task", cli["median"] / first["median"],
            30, False, f"{cli['median']:.1f} s vs {first['median']:.2f} s"))
    for mode, goal in (("all", 2), ("name", 1)):
        module = s(f"list/{mode}/module")
        if module:
            out.append(count_target(f"list {settings['BENCH_IMAGES']} ({mode}): requests",
                                    module["image_all"], goal))
        oscloud = s(f"list/{mode}/oscloud")
        if module and oscloud:
            out.append(ratio_target(
                f"list {settings['BENCH_IMAGES']} ({mode}): openstack.cloud / module",
                oscloud["median"] / module["median"], 2, False,
                f"{oscloud['median']:.2f} s vs {module['median']:.2f} s"))
    role = s("drift/role")
    if role:
        images = settings["BENCH_DRIFT_IMAGES"]
        out.append(count_target(
            f"drift {images} images: requests", [int(role["image"] + role["identity"])],
            2 * images + 1, f"{int(role['image'])} image + {int(role['identity'])} token"))
        cli = s("drift/cli")
        if cli:
            out.append(ratio_target(
                f"drift {images} images: CLI / role", cli["median"] / role["median"], 5, False,
                f"{cli['median']:.1f} s vs {role['median']:.2f} s"))
    return out


# ---- output ----------------------------------------------------------------------


TOOL_NAMES = {
    "module": "toast_image_member",
    "limit": "limit script",
    "cli": "OpenStack CLI loop",
    "oscloud": "openstack.cloud.image_info",
    "role": "image_share role (--check)",
}


def tool_name(tool: str, workload: str) -> str:
    if tool.startswith("module-p"):
        return f"toast_image_member, parallel {tool[8:]}"
    if tool == "module" and workload == "list":
        return "toast_image_info"
    return TOOL_NAMES.get(tool, tool)


def seconds(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def results_table(results: dict, settings: dict) -> list[str]:
    lines = [
        "| workload | tool | runs | wall time, median (min–max) s | image requests "
        "| identity requests | writes |",
        "| --- | --- | ---: | --- | ---: | ---: | ---: |",
    ]
    main = settings["BENCH_TENANTS"]
    order = []
    rtt = f", +{settings['BENCH_RTT_MS']:g} ms round trip"
    for prefix, where in (("share", ""), ("share-rtt", rtt)):
        for phase, label in (("first", f"share {main}"), ("rerun", f"share {main}, rerun"),
                             ("exclusive", f"share {main}, exclusive to {main // 2}")):
            for tool in ["limit", "module"] \
                    + [f"module-p{p}" for p in settings["BENCH_PARALLEL"]] + ["cli"]:
                order.append((f"{prefix}/{main}/{tool}/{phase}", label + where, tool, "share"))
    for mode, label in (("all", f"list {settings['BENCH_IMAGES']}, all"),
                        ("name", f"list {settings['BENCH_IMAGES']}, by name")):
        for tool in ("limit", "module", "oscloud", "cli"):
            order.append((f"list/{mode}/{tool}", label, tool, "list"))
    drift = (f"drift {settings['BENCH_DRIFT_IMAGES']} × {settings['BENCH_DRIFT_MEMBERS']}"
             " (--check)")
    for tool in ("limit", "role", "cli"):
        order.append((f"drift/{tool}", drift, tool, "drift"))
    order.append(("noop", "no-op task (ansible.builtin.ping)", "noop", "noop"))
    for key, label, tool, workload in order:
        r = results.get(key)
        if not r:
            continue
        name = "ansible-playbook, one task" if tool == "noop" else tool_name(tool, workload)
        lines.append(
            f"| {label} | {name} | {r['runs']} | {seconds(r['median'])} "
            f"({seconds(r['min'])}–{seconds(r['max'])}) | {r['image']:g} | {r['identity']:g} "
            f"| {r['writes']:g} |")
    return lines


def plot_table(results: dict, settings: dict) -> list[str]:
    lines = ["| tenants | toast_image_member task | limit script | OpenStack CLI loop |",
             "| ---: | --- | --- | --- |"]
    for size in settings["BENCH_SIZES"]:
        cells = []
        for tool in ("module", "limit", "cli"):
            r = results.get(f"share/{size}/{tool}/first")
            cells.append(f"{seconds(r['median'])} s ({r['runs']}×)" if r else "–")
        lines.append(f"| {size} | " + " | ".join(cells) + " |")
    return lines


def parallel_table(results: dict, settings: dict) -> list[str]:
    main = settings["BENCH_TENANTS"]
    tools = ["module"] + [f"module-p{p}" for p in settings["BENCH_PARALLEL"]]
    lines = ["| toast_image_member task, median s | parallel 1 | "
             + " | ".join(f"parallel {p}" for p in settings["BENCH_PARALLEL"]) + " |",
             "| --- |" + " ---: |" * len(tools)]
    rtt = f"+{settings['BENCH_RTT_MS']:g} ms round trip"
    for prefix, where in (("share", "loopback"), ("share-rtt", rtt)):
        for phase, label in (("first", f"share {main}"),
                             ("exclusive", f"exclusive to {main // 2}")):
            cells = []
            base = results.get(f"{prefix}/{main}/module/{phase}")
            for tool in tools:
                r = results.get(f"{prefix}/{main}/{tool}/{phase}")
                if not r:
                    cells.append("–")
                    continue
                gain = f" ({base['median'] / r['median']:.2f}×)" if base and tool != "module" \
                    else ""
                cells.append(f"{seconds(r['median'])}{gain}")
            if any(c != "–" for c in cells):
                lines.append(f"| {label}, {where} | " + " | ".join(cells) + " |")
    return lines


def targets_table(found: list[Target]) -> list[str]:
    lines = ["| target | measured | goal | result |", "| --- | --- | --- | --- |"]
    for t in found:
        verdict = "PASS" if t.passed else "MISS"
        lines.append(f"| {t.name} | {t.measured} | {t.goal} | {verdict} ({t.margin}) |")
    return lines


def machine() -> list[str]:
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            models = re.findall(r"^model name\s*:\s*(.+)$", f.read(), re.M)
        cpu = models[0] if models else cpu
    except OSError:
        pass
    memory = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            kib = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
        memory = f", {kib / 1024 / 1024:.0f} GiB memory"
    except (OSError, AttributeError):
        pass
    return [f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}"]


def versions() -> str:
    def pkg(venv, name):
        try:
            out = subprocess.run([os.path.join(VENVS, venv, "bin", "python"), "-c",
                                  f"import importlib.metadata as m; print(m.version('{name}'))"],
                                 capture_output=True, text=True, check=True).stdout
            return f"{name} {out.strip()}"
        except (OSError, subprocess.CalledProcessError):
            return f"{name} (not installed)"

    return ", ".join([pkg("tools", "ansible-core"), pkg("glance", "glance"),
                      pkg("glance", "gunicorn"), pkg("osc", "python-openstackclient"),
                      pkg("oscloud", "ansible"), pkg("oscloud", "openstacksdk")])


def render(results: dict, found: list[Target], settings: dict, meta: dict) -> str:
    lines = [BEGIN, "", f"Measured {meta['date']} in {meta['minutes']:.0f} minutes "
             f"(load average {meta['load_before']} before, {meta['load_after']} after).", "",
             "Machine: " + machine()[0] + ".", "", "Versions: " + versions() + ".", "",
             "Settings: " + ", ".join(f"{k}={v}" for k, v in meta["settings"].items()) + ".",
             "", "### Targets", ""]
    lines += targets_table(found)
    lines += ["", "### Every measurement", ""]
    lines += results_table(results, settings)
    lines += ["", "### parallel (speed-up over parallel 1 in brackets)", ""]
    lines += parallel_table(results, settings)
    lines += ["", "### Share, first run, by number of tenants (the plot)", ""]
    lines += plot_table(results, settings)
    lines += ["", END]
    return "\n".join(lines)


def write_doc(path: str, block: str, template: str | None) -> None:
    source = path if os.path.exists(path) else template
    text = ""
    if source and os.path.exists(source):
        with open(source, encoding="utf-8") as f:
            text = f.read()
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + block + tail
    else:
        text = "# Performance\n\n" + block + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def plot(results: dict, settings: dict, path: str) -> None:
    import matplotlib  # pylint: disable=import-outside-toplevel

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    for tool, label, marker in (("cli", "OpenStack CLI loop", "s"),
                                ("module", "toast_image_member (whole task)", "o"),
                                ("limit", "limit script (one session)", "^")):
        points = [(size, results[f"share/{size}/{tool}/first"]["median"])
                  for size in settings["BENCH_SIZES"]
                  if f"share/{size}/{tool}/first" in results]
        if points:
            xs, ys = zip(*points)
            ax.plot(xs, ys, marker=marker, label=label)
            for x, y in points:
                ax.annotate(seconds(y), (x, y), textcoords="offset points", xytext=(0, 6),
                            ha="center", fontsize=8)
    ax.set_yscale("log")
    ax.set_xlabel("tenants the image is shared with (first run)")
    ax.set_ylabel("wall time, median (s, log scale)")
    ax.set_title("Sharing one image with many tenants, local Glance")
    ax.set_xticks(settings["BENCH_SIZES"])
    ax.grid(True, which="both", alpha=0.3)
    if ax.lines:
        ax.legend()
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


# ---- main --------------------------------------------------------------------------


def load() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--doc", required=True, help="Markdown file to write the results into")
    parser.add_argument("--template", help="where to take the text around the results from "
                                           "when --doc does not exist yet")
    parser.add_argument("--plot", required=True, help="PNG file for the plot")
    parser.add_argument("--json", help="JSON file of every measurement")
    parser.add_argument("--state", default=os.path.join(ROOT, ".build", "bench-peer"),
                        help="state folder of the bench's own Glance")
    args = parser.parse_args(argv)

    settings = {
        "BENCH_TENANTS": int(setting("BENCH_TENANTS")),
        "BENCH_SIZES": sorted(set(ints("BENCH_SIZES")) | {int(setting("BENCH_TENANTS"))}),
        "BENCH_PARALLEL": ints("BENCH_PARALLEL"),
        "BENCH_RTT_MS": float(setting("BENCH_RTT_MS")),
        "BENCH_IMAGES": int(setting("BENCH_IMAGES")),
        "BENCH_DRIFT_IMAGES": int(setting("BENCH_DRIFT_IMAGES")),
        "BENCH_DRIFT_MEMBERS": int(setting("BENCH_DRIFT_MEMBERS")),
    }
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "load_before": load(),
            "settings": {k: setting(k) for k in SETTINGS}}
    started = time.time()
    work = tempfile.mkdtemp(prefix="bench-", dir=os.path.dirname(os.path.abspath(args.state)))
    peer = Peer(args.state)
    problems: list[str] = []
    peer.start()
    try:
        tools = Tools(peer, work)
        bench = Bench(peer)
        chosen = setting("BENCH_WORKLOADS").split()
        if "share" in chosen:
            workload_share(bench, tools, Api(peer, "alpha"), problems)
        if "list" in chosen:
            workload_list(bench, tools, peer)
        if "drift" in chosen:
            workload_drift(bench, tools, peer, problems)
    finally:
        peer.stop()
        shutil.rmtree(work, ignore_errors=True)

    results = {key: summary(samples) for key, samples in bench.samples.items()}
    for key, r in results.items():
        if r["errors"]:
            problems.append(f"{key}: {r['errors']} answers of 500 or more from the server")
    meta.update(minutes=(time.time() - started) / 60, load_after=load())
    found = targets(results, settings)
    write_doc(args.doc, render(results, found, settings, meta), args.template)
    plot(results, settings, args.plot)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"meta": meta, "settings": settings, "results": results,
                       "samples": {k: [asdict(s) for s in v] for k, v in bench.samples.items()},
                       "targets": [asdict(t) for t in found]}, f, indent=1)
    print("\n".join(targets_table(found)))
    print(f"wrote {os.path.relpath(args.doc, ROOT)} and {os.path.relpath(args.plot, ROOT)}")
    missed = [t.name for t in found if t.counts and not t.passed]
    for problem in problems + [f"request-count target missed: {m}" for m in missed]:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems or missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
