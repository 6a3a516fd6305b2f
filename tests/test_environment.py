"""The conda environment file lists the same packages and lower bounds as pyproject.toml."""

from __future__ import annotations

import re
import tomllib

import yaml

from conftest import ROOT


def _split(req: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req)
    assert match, req
    return match.group(1).lower(), match.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = dict(_split(r) for r in project["dependencies"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {}
    pip_section = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_section = dep.get("pip", [])
            continue
        name, spec = _split(dep.replace("=", "==", 1) if re.match(r"^python=", dep) else dep)
        conda[name] = spec
    assert "conda-forge" in env["channels"]
    assert conda.pop("python") == "==3.11"
    conda.pop("pip", None)
    assert conda == runtime, "environment.yml and pyproject.toml list different packages"
    assert "-e ." in pip_section


def test_requires_python_is_311_or_newer():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11"


def test_pre_commit_runs_the_checks_of_make_test():
    """``.pre-commit-config.yaml`` runs ruff, ruff format and mypy, as ``make test`` does."""
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}
    assert set(hooks) == {"ruff", "ruff-format", "mypy"}
    assert hooks["ruff"]["entry"].startswith("ruff check")
    assert hooks["ruff-format"]["entry"].startswith("ruff format")
    assert hooks["mypy"]["entry"] == "mypy" and hooks["mypy"]["pass_filenames"] is False
    makefile = (ROOT / "Makefile").read_text()
    for command in ("ruff check", "ruff format", "mypy"):
        assert command in makefile, command
