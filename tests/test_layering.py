"""The house rules on imports: ui → project → engine/data, and no Qt below the ui.

Two independent checks, each shown to fail on a package that breaks the rule:
- import-linter with the contracts of pyproject.toml ([tool.importlinter]);
- a plain AST scan of every import statement (including those inside functions).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "nnstudio"
QT = ("PySide6", "pyqtgraph", "superqt", "shiboken6")

# package (relative to the root package) → top-level module prefixes it must never import
RULES: dict[str, tuple[str, ...]] = {
    "engine": QT + ("{root}.project", "{root}.ui", "{root}.cli"),
    "data": QT + ("{root}.project", "{root}.ui", "{root}.cli"),
    "project": QT + ("{root}.ui", "{root}.cli"),
}


def _module_name(path: Path, root_dir: Path) -> str:
    parts = list(path.relative_to(root_dir.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, root_dir: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in a file; relative imports resolved."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    module = _module_name(path, root_dir)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # "from pkg import sub" may import the sub-module pkg.sub
            found += [(node.lineno, f"{target}.{a.name}") for a in node.names if a.name != "*"]
    return found


def _matches(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layering_violations(root_dir: Path) -> list[str]:
    """'file:line imports module' for each import that breaks RULES under ``root_dir``."""
    root = root_dir.name
    problems = []
    for sub, forbidden in RULES.items():
        folder = root_dir / sub
        if not folder.is_dir():
            continue
        prefixes = [f.format(root=root) for f in forbidden]
        for path in sorted(folder.rglob("*.py")):
            for line, module in imported_modules(path, root_dir):
                bad = [p for p in prefixes if _matches(module, p)]
                if bad:
                    problems.append(f"{path.relative_to(root_dir.parent)}:{line} imports {module}")
    return sorted(set(problems))


# --------------------------------------------------------------------------- a package that breaks the rules
def _bad_package(tmp_path: Path, name: str = "badpkg") -> Path:
    root = tmp_path / name
    files = {
        "__init__.py": "",
        "engine/__init__.py": "",
        "engine/net.py": "import numpy as np\n",
        "engine/plot.py": "def show():\n    import pyqtgraph as pg\n    return pg\n",
        "data/__init__.py": "",
        "data/load.py": "from ..project import model\n",
        "project/__init__.py": "",
        "project/model.py": "from PySide6.QtCore import QObject\n",
        "ui/__init__.py": "",
        "ui/window.py": "from ..project import model\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


# --------------------------------------------------------------------------- the AST scan
def test_ast_scan_of_nnstudio_finds_no_violation():
    assert (PACKAGE / "engine").is_dir() and (PACKAGE / "project").is_dir()
    assert layering_violations(PACKAGE) == []


def test_ast_scan_catches_every_kind_of_bad_import(tmp_path):
    problems = layering_violations(_bad_package(tmp_path))
    assert problems == [
        "badpkg/data/load.py:1 imports badpkg.project",
        "badpkg/data/load.py:1 imports badpkg.project.model",
        "badpkg/engine/plot.py:2 imports pyqtgraph",          # a lazy import inside a function
        "badpkg/project/model.py:1 imports PySide6.QtCore",
        "badpkg/project/model.py:1 imports PySide6.QtCore.QObject",
    ]


def test_ast_scan_sees_the_real_tree():
    """The scanner reads the real files: it finds the engine's NumPy and the ui's Qt imports."""
    engine_imports = {m for p in (PACKAGE / "engine").rglob("*.py") for _, m in imported_modules(p, PACKAGE)}
    assert "numpy" in engine_imports
    assert any(_matches(m, "nnstudio.engine") for m in engine_imports)
    ui_imports = {m for p in (PACKAGE / "ui").rglob("*.py") for _, m in imported_modules(p, PACKAGE)}
    assert any(_matches(m, "PySide6") for m in ui_imports)


# --------------------------------------------------------------------------- import-linter
def _lint_imports(cwd: Path, extra_path: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(extra_path), env.get("PYTHONPATH")]))
    script = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True))"
    return subprocess.run([sys.executable, "-c", script], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def _contracts() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["importlinter"]


def test_pyproject_contracts_cover_the_rules():
    config = _contracts()
    kinds = {c["type"]: c for c in config["contracts"]}
    assert kinds["layers"]["layers"][:2] == ["nnstudio.ui", "nnstudio.project"]
    assert set(QT) <= set(kinds["forbidden"]["forbidden_modules"])
    assert {"nnstudio.engine", "nnstudio.data", "nnstudio.project"} <= set(kinds["forbidden"]["source_modules"])


def test_import_linter_keeps_the_contracts():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return '"' + str(v) + '"'


def test_import_linter_contracts_break_on_a_bad_package(tmp_path):
    """The very contracts of pyproject.toml, pointed at a package that breaks them."""
    _bad_package(tmp_path)
    config = _contracts()
    lines = ["[tool.importlinter]"]
    lines += [f"{k} = {_toml_value(v).replace('nnstudio', 'badpkg')}" for k, v in config.items() if k != "contracts"]
    for contract in config["contracts"]:
        lines.append("\n[[tool.importlinter.contracts]]")
        lines += [f"{k} = {_toml_value(v).replace('nnstudio', 'badpkg')}" for k, v in contract.items()]
    work = tmp_path / "work"
    work.mkdir()
    (work / "pyproject.toml").write_text("\n".join(lines) + "\n")
    result = _lint_imports(work, extra_path=tmp_path)
    assert result.returncode != 0, result.stdout
    out = result.stdout
    assert "2 broken" in out, out
    assert "badpkg.project.model -> PySide6" in out
    assert "badpkg.data.load -> badpkg.project.model" in out
    assert "badpkg.engine.plot -> pyqtgraph" in out
