#!/usr/bin/env python
"""Install, start, stop and seed the local Glance peer (standard library only).

    peerctl.py install          create the Glance environment (once)
    peerctl.py start            start Glance and the identity stand-in, fresh
    peerctl.py stop             stop both, by the PIDs recorded at start
    peerctl.py status           print the peer's connection facts as JSON
    peerctl.py seed-demo        create the demo images in two tenants
    peerctl.py bulk-create TENANT COUNT PREFIX
                                create COUNT queued images named PREFIX-0000...
    peerctl.py purge TENANT [PREFIX]
                                delete every image the tenant owns (named PREFIX...)
    peerctl.py proxy-start NAME [--plan JSON] [--lifetime S] [--max-requests N]
                                [--max-limit N]
                                start a fault proxy (faultproxy.py) in front of
                                Glance on a port of its own; print its facts
    peerctl.py proxy-stats NAME  print its request and fault counts as JSON
    peerctl.py proxy-stop NAME...
                                stop them; print their counts
    peerctl.py integration-config PATH
                                write the vars file ansible-test reads

State (database, image files, logs, tokens, PIDs, proxies) lives in the state folder,
``.peer/`` at the repository root unless ``NHNCLOUD_PEER_DIR`` says otherwise.
"""

import argparse
import fcntl
import glob
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
STATE = os.environ.get("NHNCLOUD_PEER_DIR", os.path.join(ROOT, ".peer"))
VENV = os.environ.get("NHNCLOUD_PEER_VENV", os.path.join(ROOT, ".venvs", "glance"))
GLANCE_VERSION = "33.0.0"
GUNICORN_VERSION = "27.0.1"
THREADS = int(os.environ.get("NHNCLOUD_PEER_THREADS", "32"))

# name, admin role. IDs, users, passwords and static tokens derive from the name.
TENANTS = [
    ("alpha", False),
    ("beta", False),
    ("gamma", False),
    ("delta", False),
    ("epsilon", False),
    ("zeta", False),
    ("admin", True),
]


def tenant_id(name):
    return hashlib.md5(f"nhncloud-peer-{name}".encode()).hexdigest()


def tenant_entries():
    return [
        {
            "name": name,
            "id": tenant_id(name),
            "user_id": hashlib.md5(f"user-{name}".encode()).hexdigest(),
            "username": f"{name}@example.com",
            "password": f"{name}-api-password",
            "token": "static-" + hashlib.sha256(f"token-{name}".encode()).hexdigest()[:32],
            "admin": admin,
        }
        for name, admin in TENANTS
    ]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pip_quiet(args):
    cmd = [os.path.join(VENV, "bin", "pip"), "install", "--quiet",
           "--disable-pip-version-check"] + args
    subprocess.run(cmd, check=True)


def install():
    marker = os.path.join(VENV, ".installed-" + GLANCE_VERSION)
    if os.path.exists(marker):
        return
    # Two callers at once (make targets run side by side) must not both clear
    # the venv: the second waits for the first, then finds the marker.
    os.makedirs(os.path.dirname(VENV), exist_ok=True)
    with open(VENV + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(marker):
            return
        print(f"Installing glance {GLANCE_VERSION} into {os.path.relpath(VENV, ROOT)}",
              flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", VENV], check=True)
        pip_quiet([f"glance=={GLANCE_VERSION}", f"gunicorn=={GUNICORN_VERSION}"])
        open(marker, "w").close()


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_facts():
    try:
        with open(os.path.join(STATE, "peer.json")) as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def running():
    facts = read_facts()
    return facts is not None and all(alive(p) for p in facts["pids"].values())


def write_config(glance_port):
    paste = os.path.join(STATE, "glance-api-paste.ini")
    shutil.copy(os.path.join(HERE, "glance-api-paste.ini"), paste)
    with open(paste, "a") as f:
        f.write(f"\n[filter:tokenmap]\npaste.filter_factory = tokenmap:filter_factory\n"
                f"state_dir = {STATE}\n")
    conf = f"""[DEFAULT]
bind_host = 127.0.0.1
bind_port = {glance_port}
image_member_quota = 127
limit_param_default = 100
api_limit_max = 1000
log_file = {os.path.join(STATE, "glance.log")}
lock_path = {os.path.join(STATE, "locks")}

[database]
connection = sqlite:///{os.path.join(STATE, "glance.sqlite")}

[glance_store]
stores = file
default_store = file
filesystem_store_datadir = {os.path.join(STATE, "images")}

[paste_deploy]
config_file = {paste}
flavor = tokenmap

[oslo_concurrency]
lock_path = {os.path.join(STATE, "locks")}
"""
    with open(os.path.join(STATE, "glance-api.conf"), "w") as f:
        f.write(conf)
    with open(os.path.join(STATE, "tenants.json"), "w") as f:
        json.dump({"tenants": tenant_entries()}, f, indent=1)


def wait_for(url, token, deadline):
    last = None
    while time.time() < deadline:
        req = urllib.request.Request(url, headers={"X-Auth-Token": token})
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError) as exc:
            last = exc
        time.sleep(0.25)
    raise SystemExit(f"peer did not answer at {url}: {last}")


def start():
    if running():
        print("peer already running")
        return
    stop(quiet=True)
    install()
    shutil.rmtree(STATE, ignore_errors=True)
    os.makedirs(os.path.join(STATE, "images"))
    os.makedirs(os.path.join(STATE, "locks"))
    glance_port, identity_port = free_port(), free_port()
    write_config(glance_port)
    env = dict(os.environ, OS_GLANCE_CONFIG_DIR=STATE, PYTHONPATH=HERE)
    subprocess.run(
        [os.path.join(VENV, "bin", "glance-manage"), "--config-file",
         os.path.join(STATE, "glance-api.conf"), "db_sync"],
        check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    image_url = f"http://127.0.0.1:{glance_port}"
    with open(os.path.join(STATE, "gunicorn.out"), "w") as out:
        glance = subprocess.Popen(
            [os.path.join(VENV, "bin", "gunicorn"), "--bind", f"127.0.0.1:{glance_port}",
             "--workers", "1", "--worker-class", "gthread", "--threads", str(THREADS),
             "--timeout", "120", "--no-control-socket", "glance.wsgi.api:application"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=STATE,
        )
        identity = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "identity.py"), "--state-dir", STATE,
             "--port", str(identity_port), "--image-url", image_url],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=STATE,
        )
    tenants = {t["name"]: {k: t[k] for k in ("id", "username", "password", "token")}
               for t in tenant_entries()}
    facts = {
        "image_url": image_url,
        "auth_url": f"http://127.0.0.1:{identity_port}/v2.0",
        "state_dir": STATE,
        "request_log": os.path.join(STATE, "requests.log"),
        "tenants": tenants,
        "pids": {"glance": glance.pid, "identity": identity.pid},
    }
    with open(os.path.join(STATE, "peer.json"), "w") as f:
        json.dump(facts, f, indent=1)
    deadline = time.time() + 90
    wait_for(f"{image_url}/v2/images?limit=1", tenants["alpha"]["token"], deadline)
    wait_for(f"http://127.0.0.1:{identity_port}/v2.0", "", deadline)
    print(f"peer running: image {image_url}, identity {facts['auth_url']}")


def wait_gone(pid, there, deadline):
    """Wait until ``there(pid)`` is false (reaping it if it is our child); False at the deadline."""
    while there(pid) and time.time() < deadline:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.05)
    return not there(pid)


def stop(quiet=False):
    for path in glob.glob(os.path.join(STATE, "proxies", "*.json")):
        proxy_stop(os.path.basename(path)[:-len(".json")], quiet=True)
    facts = read_facts()
    if facts is None:
        if not quiet:
            print("peer not running")
        return
    for pid in facts["pids"].values():
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    deadline = time.time() + 15
    for pid in facts["pids"].values():
        if not wait_gone(pid, alive, deadline):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    os.remove(os.path.join(STATE, "peer.json"))
    if not quiet:
        print("peer stopped")


def api(method, path, token, body=None, content_type="application/json"):
    facts = read_facts()
    data = None
    headers = {"X-Auth-Token": token, "Accept": "application/json"}
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers["Content-Type"] = content_type
    req = urllib.request.Request(facts["image_url"] + path, data=data, method=method,
                                 headers=headers)
    with urllib.request.urlopen(req, timeout=30) as resp:
        raw = resp.read()
        return json.loads(raw) if raw else None


def create_image(token, name, visibility="private", tags=(), data=b"demo image\n", **props):
    body = {"name": name, "disk_format": "raw", "container_format": "bare",
            "visibility": visibility, "tags": list(tags), **props}
    image = api("POST", "/v2/images", token, body)
    if data is not None:
        api("PUT", f"/v2/images/{image['id']}/file", token, data, "application/octet-stream")
    return image


def seed_demo():
    facts = read_facts()
    alpha = facts["tenants"]["alpha"]["token"]
    beta = facts["tenants"]["beta"]["token"]
    create_image(alpha, "ubuntu-24.04-golden", tags=["_AVAILABLE_", "golden"],
                 os_distro="ubuntu", os_version="24.04", login_username="ubuntu")
    create_image(alpha, "rocky-9-golden", tags=["_AVAILABLE_", "golden"],
                 os_distro="rocky", os_version="9", login_username="rocky")
    create_image(alpha, "scratch-build", visibility="shared", tags=["scratch"])
    create_image(beta, "beta-app-base", tags=["_AVAILABLE_"], os_distro="debian")
    print("seeded demo images: 3 in alpha, 1 in beta")


def bulk_create(tenant, count, prefix):
    token = read_facts()["tenants"][tenant]["token"]

    def one(n):
        for attempt in range(5):
            try:
                return create_image(token, f"{prefix}-{n:04d}", data=None)
            except urllib.error.HTTPError as err:
                # SQLite under parallel writers: "database is locked" answers 500.
                if err.code != 500 or attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))
        return None

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(one, range(count)))
    print(f"created {count} images {prefix}-* in tenant {tenant}")


def purge(tenant, prefix=""):
    facts = read_facts()
    token, owner = facts["tenants"][tenant]["token"], facts["tenants"][tenant]["id"]
    doomed, marker = [], ""
    while True:
        page = api("GET", f"/v2/images?owner={owner}&limit=1000{marker}", token)["images"]
        doomed += [i for i in page if (i["name"] or "").startswith(prefix)]
        if not page:
            break
        marker = f"&marker={page[-1]['id']}"
    for image in doomed:
        if image["protected"]:
            api("PATCH", f"/v2/images/{image['id']}", token,
                [{"op": "replace", "path": "/protected", "value": False}],
                "application/openstack-images-v2.1-json-patch")
        api("DELETE", f"/v2/images/{image['id']}", token)
    named = f" named {prefix}..." if prefix else ""
    print(f"deleted {len(doomed)} images{named} of tenant {tenant}")


def proxy_paths(name):
    if not name.replace("-", "").replace("_", "").isalnum():
        raise SystemExit(f"proxy name {name!r}: use letters, digits, - and _")
    folder = os.path.join(STATE, "proxies")
    return os.path.join(folder, f"{name}.json"), os.path.join(folder, f"{name}.log")


def is_proxy(pid):
    """True while ``pid`` is a fault proxy (not a later process that got its PID)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"faultproxy.py" in f.read()
    except OSError:
        return False


def proxy_start(argv):
    parser = argparse.ArgumentParser(prog="peerctl.py proxy-start")
    parser.add_argument("name")
    parser.add_argument("--plan", default="[]")
    parser.add_argument("--lifetime", type=float, default=300)
    parser.add_argument("--max-requests", type=int, default=2000)
    parser.add_argument("--max-limit", type=int)
    args = parser.parse_args(argv)
    facts = read_facts()
    if facts is None or not running():
        raise SystemExit("peer not running: start it first")
    facts_path, log_path = proxy_paths(args.name)
    proxy_stop(args.name, quiet=True)
    os.makedirs(os.path.dirname(facts_path), exist_ok=True)
    for path in (facts_path, log_path):
        if os.path.exists(path):
            os.remove(path)
    cmd = [sys.executable, os.path.join(HERE, "faultproxy.py"),
           "--upstream", facts["image_url"], "--facts", facts_path, "--log", log_path,
           "--plan", args.plan, "--lifetime", str(args.lifetime),
           "--max-requests", str(args.max_requests)]
    if args.max_limit is not None:
        cmd += ["--max-limit", str(args.max_limit)]
    with open(log_path + ".out", "w") as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 15
    while not os.path.exists(facts_path):
        if proc.poll() is not None or time.time() > deadline:
            with open(log_path + ".out") as f:
                raise SystemExit(f"fault proxy {args.name} did not start: {f.read()}")
        time.sleep(0.05)
    with open(facts_path) as f:
        print(f.read())


def proxy_stats(name):
    """Requests seen and faults injected, by kind, from the proxy's log."""
    _facts, log_path = proxy_paths(name)
    stats = {"requests": 0, "faults": {}, "stopped": None}
    try:
        with open(log_path, encoding="utf-8") as f:
            lines = [json.loads(line) for line in f]
    except FileNotFoundError:
        raise SystemExit(f"no fault proxy {name} has run") from None
    for line in lines:
        if "event" in line:
            stats["stopped"] = line["reason"]
        elif line["fault"]:
            stats["faults"][line["fault"]] = stats["faults"].get(line["fault"], 0) + 1
            stats["requests"] += 1
        else:
            stats["requests"] += 1
    return stats


def proxy_stop(name, quiet=False):
    facts_path, log_path = proxy_paths(name)
    try:
        with open(facts_path) as f:
            pid = json.load(f)["pid"]
    except FileNotFoundError:
        pid = None
    if pid is not None and is_proxy(pid):
        os.kill(pid, signal.SIGTERM)
        if not wait_gone(pid, is_proxy, time.time() + 10):
            os.kill(pid, signal.SIGKILL)
    if not quiet and os.path.exists(log_path):
        print(json.dumps(proxy_stats(name), indent=1))


def integration_config(path):
    facts = read_facts()
    lines = ["# Written by tests/peer/peerctl.py for the running local Glance peer."]
    lines.append(f"peer_image_url: {facts['image_url']}")
    lines.append(f"peer_auth_url: {facts['auth_url']}")
    lines.append(f"peer_request_log: {facts['request_log']}")
    lines.append(f"peer_ctl: {os.path.abspath(__file__)}")
    # peer_ctl acts on the peer in NHNCLOUD_PEER_DIR: give it this one's.
    lines.append(f"peer_dir: {os.path.abspath(STATE)}")
    lines.append("peer_tenants:")
    for name, t in facts["tenants"].items():
        lines.append(f"  {name}:")
        for key in ("id", "username", "password", "token"):
            lines.append(f"    {key}: {json.dumps(t[key])}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main(argv):
    if not argv:
        raise SystemExit(__doc__)
    cmd, args = argv[0], argv[1:]
    if cmd == "install":
        install()
    elif cmd == "start":
        start()
    elif cmd == "stop":
        stop()
    elif cmd == "status":
        facts = read_facts()
        if facts is None or not running():
            raise SystemExit("peer not running")
        print(json.dumps(facts, indent=1))
    elif cmd == "seed-demo":
        seed_demo()
    elif cmd == "bulk-create" and len(args) == 3:
        bulk_create(args[0], int(args[1]), args[2])
    elif cmd == "purge" and len(args) in (1, 2):
        purge(*args)
    elif cmd == "proxy-start" and args:
        proxy_start(args)
    elif cmd == "proxy-stats" and len(args) == 1:
        print(json.dumps(proxy_stats(args[0]), indent=1))
    elif cmd == "proxy-stop" and args:
        for name in args:
            proxy_stop(name)
    elif cmd == "integration-config" and len(args) == 1:
        integration_config(args[0])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
