"""The seams between slices (docs/architecture.md): what a slice may import of another, that
platform knows no slice, and that nothing is wired into a slice by an import.

A slice offers the others its ``service`` (use cases) and ``ports`` (typed views, hook points,
protocols it needs) modules; its tables (``models``), pure rules and private modules are its
own. The app (``app.py``) is the one place where slices are plugged into each other.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import bookings

PACKAGE = Path(bookings.__file__).parent
#: The domain slices, by package (sub-slices of ``catalog`` are slices of their own).
SLICES = (
    "identity",
    "catalog.policies",
    "catalog.services",
    "staff",
    "calendar",
    "availability",
    "booking",
    "reader",
    "attendance",
    "feeds",
    "notifications",
    "ecom",
    "webhooks",
    "web",
)
#: What one slice may import of another.
PUBLIC = ("service", "ports")
#: Modules that compose the slices (they may import anything).
COMPOSITION = (
    "app",
    "cli",
    "cli_common",
    "cli_webhooks",
    "demo",
    "demo_catalog",
    "models",
    "migrations",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def slice_of(module: str) -> str | None:
    """The slice a ``bookings.…`` module belongs to (``platform``, a root module, or one of
    :data:`SLICES`)."""
    parts = module.split(".")[1:]
    for name in SLICES:
        own = name.split(".")
        if parts[: len(own)] == own:
            return name
    return parts[0] if parts else None


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every ``bookings`` module a file imports (``from x import y`` counts as ``x.y`` when
    ``y`` is a module), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("bookings")]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bookings"):
            base = str(node.module)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                where = PACKAGE.parent.joinpath(*candidate.split("."))
                is_module = where.with_suffix(".py").exists() or where.is_dir()
                found.append((node.lineno, candidate if is_module else base))
    return found


def source_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def test_a_slice_reaches_another_only_through_its_service_and_ports() -> None:
    wrong = []
    for path in source_files():
        me = slice_of(module_name(path))
        if me in COMPOSITION or me == "platform":
            continue
        for line, target in imported_modules(path):
            other = slice_of(target)
            if other in (me, "platform", "config", None) or other in COMPOSITION:
                continue
            rest = target.split(".")[1 + len(str(other).split(".")) :]
            if not rest or rest[0] not in PUBLIC:
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports {target}")
    assert wrong == []


def test_platform_imports_no_domain_slice() -> None:
    wrong = [
        f"{path.relative_to(PACKAGE)}:{line} imports {target}"
        for path in source_files()
        if slice_of(module_name(path)) == "platform"
        for line, target in imported_modules(path)
        if slice_of(target) not in ("platform", "config")
    ]
    assert wrong == []


def test_no_context_variable_and_no_provider_registration() -> None:
    wrong = []
    for path in source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute | ast.Name):
                name = node.attr if isinstance(node, ast.Attribute) else node.id
                if name in ("ContextVar", "contextvars"):
                    wrong.append(f"{path.relative_to(PACKAGE)}:{node.lineno} uses {name}")
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name.startswith("set_") and name.endswith("_provider"):
                    wrong.append(f"{path.relative_to(PACKAGE)}:{node.lineno} calls {name}")
    assert wrong == []


def test_importing_every_module_wires_nothing() -> None:
    """Hook points are wired by the app only: importing every module of the package (in a
    fresh interpreter) leaves each of them unwired, and building the app wires them all."""
    script = """
import importlib, pkgutil, bookings
from bookings.platform.hooks import Hooks
names = [m.name for m in pkgutil.walk_packages(bookings.__path__, "bookings.")
         if ".migrations" not in m.name]
modules = [importlib.import_module(n) for n in names]
points = {f"{m.__name__}.{k}": v for m in modules for k, v in vars(m).items()
          if isinstance(v, Hooks)}
assert points, "no hook point found"
wired = sorted(k for k, v in points.items() if v.wired)
assert not wired, wired
from bookings.app import wire_slices
wire_slices()
unwired = sorted(k for k, v in points.items() if not v.wired)
assert not unwired, unwired
print(len(points))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) >= 1
