# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How an app's dependencies are installed: detect the shape, resolve its files.

Controller-side only. The result lists the files the dependency layer of the runtime
image needs, and nothing else, so a change of code alone never rebuilds that layer.
Shapes:
  requirements  one or more requirements files; their -r and -c includes are followed
  pyproject     [project].dependencies of pyproject.toml, written out as requirements
  uv            pyproject.toml plus uv.lock, installed with `uv sync --frozen`
"""

from __future__ import annotations

import posixpath
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

SHAPES = ("requirements", "pyproject", "uv")
INSTALLERS = ("pip", "uv")
# Auto-detection order: the first one present wins.
AUTO_ORDER = (
    ("requirements", ("requirements.txt",)),
    ("requirements", ("requirements/production.txt",)),
    ("uv", ("pyproject.toml", "uv.lock")),
    ("pyproject", ("pyproject.toml",)),
)
_INCLUDE = re.compile(r"^(-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+|(?=[^\s-]))(\S.*)$")
_LOCAL = re.compile(r"^(-e|--editable)(\s|=|$)|^(\.{1,2}|/|file:)")
GENERATED = "requirements.pyproject.txt"


class DepsError(ValueError):
    """An app's dependency files cannot be used; the message names the variable."""


@dataclass
class Deps:
    """The dependency files of one app and how to install them."""

    shape: str
    installer: str
    entries: list[str]  # what the installer is pointed at, relative to the app root
    files: list[str] = field(default_factory=list)  # every file to copy, relative
    generated: dict[str, str] = field(default_factory=dict)  # relative path -> content
    detected: bool = False

    def summary(self) -> str:
        how = "auto-detected" if self.detected else "set by runtime_image_dependencies"
        extra = sorted(set(self.files) - set(self.entries))
        includes = f" (includes: {', '.join(extra)})" if extra else ""
        return (
            f"dependencies: {self.shape} from {', '.join(self.entries)}{includes}, "
            f"installed with {self.installer} ({how})"
        )

    def manifest(self) -> str:
        """Shell assignments read by install-deps.sh in the image build."""
        lines = [
            f"SHAPE={self.shape}",
            f"INSTALLER={self.installer}",
            f"ENTRIES={shlex.quote(' '.join(self.entries))}",
            f"SUMMARY={shlex.quote(self.summary())}",
        ]
        return "\n".join(lines) + "\n"


def _rel(root: Path, path: Path, var: str) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise DepsError(f"{var}: {path} lies outside the app source {root}") from None


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) with comments stripped and backslash continuations joined."""
    out: list[tuple[int, str]] = []
    buf, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if not buf:
            start = number
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        if buf.strip():
            out.append((start, buf.strip()))
        buf = ""
    if buf.strip():
        out.append((start, buf.strip()))
    return out


def resolve_requirements(root: Path, entries: list[str], var: str) -> list[str]:
    """Every requirements file reached from entries through -r/-c, relative to root."""
    seen: list[str] = []
    todo = list(entries)
    while todo:
        rel = posixpath.normpath(todo.pop(0))
        if rel in seen:
            continue
        path = root / rel
        if not path.is_file():
            raise DepsError(f"{var}: {rel} is not a file in the app source {root}")
        seen.append(rel)
        for number, line in _logical_lines(path.read_text(encoding="utf-8")):
            include = _INCLUDE.match(line)
            if include:
                target = posixpath.join(posixpath.dirname(rel), include.group(2).strip())
                todo.append(_rel(root, root / target, f"{var} ({rel} line {number})"))
            elif _LOCAL.match(line):
                raise DepsError(
                    f"{var}: {rel} line {number} installs local code ({line!r}); the dependency "
                    "layer holds no app code, so list only packages (the app runs from /app)"
                )
    return seen


def pyproject_requirements(root: Path, var: str) -> str:
    """[project].dependencies of pyproject.toml as a requirements file."""
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DepsError(f"{var}: pyproject.toml is not valid TOML: {exc}") from None
    deps = data.get("project", {}).get("dependencies")
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        raise DepsError(f"{var}: pyproject.toml has no [project].dependencies list")
    header = "# Generated from pyproject.toml [project].dependencies by evaonline.deploy.\n"
    return header + "".join(f"{d}\n" for d in deps)


def detect(root: Path) -> tuple[str, list[str]]:
    for shape, marker in AUTO_ORDER:
        if all((root / m).is_file() for m in marker):
            return shape, [marker[0]] if shape == "requirements" else list(marker)
    raise DepsError(
        f"runtime_image_dependencies: no dependency file found in {root} (looked for "
        "requirements.txt, requirements/production.txt, pyproject.toml with or without uv.lock); "
        "set runtime_image_dependencies and runtime_image_requirements"
    )


def resolve(
    root: str, shape: str = "auto", requirements: list[str] | None = None, installer: str = "pip"
) -> Deps:
    """The dependency files of the app at root, for the chosen or detected shape."""
    base = Path(root)
    requirements = [str(r) for r in requirements or []]
    if installer not in INSTALLERS:
        raise DepsError(
            f"runtime_image_installer must be one of {', '.join(INSTALLERS)} (got {installer!r})"
        )
    detected = shape == "auto"
    if detected:
        shape, found = ("requirements", requirements) if requirements else detect(base)
        requirements = found if shape == "requirements" else []
    if shape not in SHAPES:
        raise DepsError(
            f"runtime_image_dependencies must be auto or one of {', '.join(SHAPES)} (got {shape!r})"
        )
    if shape == "requirements":
        if not requirements:
            raise DepsError(
                "runtime_image_requirements must list at least one file when "
                "runtime_image_dependencies is requirements"
            )
        files = resolve_requirements(base, requirements, "runtime_image_requirements")
        return Deps(
            shape,
            installer,
            [posixpath.normpath(r) for r in requirements],
            files,
            detected=detected,
        )
    for needed in ("pyproject.toml",) + (("uv.lock",) if shape == "uv" else ()):
        if not (base / needed).is_file():
            raise DepsError(f"runtime_image_dependencies is {shape}, but {base} has no {needed}")
    if shape == "uv":
        return Deps(
            "uv",
            "uv",
            ["pyproject.toml", "uv.lock"],
            ["pyproject.toml", "uv.lock"],
            detected=detected,
        )
    generated = {GENERATED: pyproject_requirements(base, "runtime_image_dependencies")}
    return Deps("pyproject", installer, [GENERATED], [], generated, detected=detected)
