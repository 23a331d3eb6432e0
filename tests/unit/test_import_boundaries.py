"""The core never imports a platform library or an adapter; nothing runs at import time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("slack_bolt", "slack_sdk", "discord", "fastapi", "starlette", "uvicorn", "adapters")


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_core_modules_import_no_platform_library_or_adapter():
    offenders = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        for name in _imports(path):
            if name.split(".")[0] in FORBIDDEN:
                offenders.append(f"{relative} imports {name}")
    assert offenders == []


def test_domain_imports_only_the_standard_library_and_itself():
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    offenders = [
        f"{path.name} imports {name}"
        for path in (ROOT / "bot" / "domain").glob("*.py")
        for name in _imports(path)
        if name.split(".")[0] not in stdlib and not name.startswith("bot.domain")
    ]
    assert offenders == []


def test_importing_every_module_has_no_side_effects(tmp_path):
    # Importing must not create a database file, open sockets or read settings.
    code = (
        "import pkgutil, importlib, bot, adapters\n"
        "for pkg in (bot, adapters):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []
