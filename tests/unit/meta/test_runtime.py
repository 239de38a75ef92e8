"""meta/runtime.yml stays in step with the modules that ship."""

from __future__ import annotations

import ast
import pathlib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]


def shipped_modules() -> set[str]:
    return {
        path.stem
        for path in (ROOT / "plugins" / "modules").glob("*.py")
        if path.stem != "__init__"
    }


def test_action_group_lists_exactly_the_modules():
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    group = runtime["action_groups"]["image"]

    assert len(group) == len(set(group)), "a module is listed twice"
    assert set(group) == shipped_modules()


def documentation(name: str) -> dict:
    tree = ast.parse((ROOT / "plugins" / "modules" / f"{name}.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "DOCUMENTATION":
            return yaml.safe_load(node.value.value)
    raise AssertionError(f"{name} has no DOCUMENTATION")


def test_every_module_documents_its_group():
    for name in sorted(shipped_modules()):
        group = documentation(name)["attributes"]["action_group"]
        assert group["membership"] == ["nhncloud.compute.image"], name
