# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A Docker build context assembled from controller paths: ignore rules, hash, tar.

Controller-side only: the build_context lookup hashes it, the pack_context action packs it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import posixpath
import re
import stat
import tarfile
from pathlib import Path


class ContextError(ValueError):
    """A source or destination that cannot make a build context; the message names it."""


ALWAYS_SENT = ("Dockerfile", ".dockerignore")
_REGEX_SPECIAL = set(".+()|{}$")
_CHUNK = 1 << 20


def parse_dockerignore(text: str) -> list[tuple[bool, str]]:
    """Return (is_exception, cleaned pattern) pairs, as moby's ignorefile.ReadAll does."""
    patterns = []
    for number, raw in enumerate(text.splitlines()):
        line = raw.removeprefix("\ufeff") if number == 0 else raw
        if line.startswith("#"):
            continue
        line = line.strip()
        if not line:
            continue
        exception = line.startswith("!")
        if exception:
            line = line[1:].strip()
        if line:
            line = posixpath.normpath(line)
            if len(line) > 1 and line.startswith("/"):
                line = line.lstrip("/") or "/"
        if exception and not line:
            raise ValueError('illegal exclusion pattern: "!"')
        patterns.append((exception, line))
    return patterns


def pattern_to_regex(pattern: str) -> re.Pattern[str]:
    """Translate one cleaned pattern to a regex the way moby/patternmatcher compiles it."""
    out = ["^"]
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*":
            if i < n and pattern[i] == "*":
                i += 1
                if i < n and pattern[i] == "/":  # "**/" is treated as "**"
                    i += 1
                out.append(".*" if i == n else "(.*/)?")
            else:
                out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch in _REGEX_SPECIAL:
            out.append("\\" + ch)
        elif ch == "\\":
            if i < n:
                out.append("\\" + pattern[i])
                i += 1
            else:
                out.append("\\\\")
        else:
            out.append(ch)
    out.append("$")
    return re.compile("".join(out))


class DockerIgnore:
    """Docker's MatchesOrParentMatches: a path is excluded when it or a parent matches."""

    def __init__(self, text: str) -> None:
        self.rules = [(exc, pattern_to_regex(p)) for exc, p in parse_dockerignore(text)]
        self.has_exceptions = any(exc for exc, _regex in self.rules)

    def excluded(self, path: str) -> bool:
        parent = posixpath.dirname(path) or "."
        parents = parent.split("/")
        matched = False
        for exception, regex in self.rules:
            if exception != matched:
                continue
            hit = regex.match(path) is not None
            if not hit and parent != ".":
                hit = any(
                    regex.match("/".join(parents[: k + 1])) is not None for k in range(len(parents))
                )
            if hit:
                matched = not exception
        return matched


def norm_dest(dest: str) -> str:
    dest = posixpath.normpath(str(dest).strip() or ".")
    if dest.startswith("/") or dest == ".." or dest.startswith("../"):
        raise ContextError(f"dest {dest!r} must stay inside the context")
    return "" if dest == "." else dest


def read_ignore(paths: list[str]) -> DockerIgnore:
    """One DockerIgnore from several files in order; missing files are skipped."""
    texts = [Path(p).read_text(encoding="utf-8") for p in paths if Path(p).is_file()]
    return DockerIgnore("\n".join(texts))


def _walk(source: Path, dest: str, ignore: DockerIgnore | None) -> tuple[dict[str, str], set[str]]:
    """Files and dirs below a directory source, minus what its own ignore rules exclude."""
    files: dict[str, str] = {}
    dirs: set[str] = set()
    for root, subdirs, names in os.walk(source, followlinks=True):
        rel_root = Path(root).relative_to(source).as_posix()
        rel_root = "" if rel_root == "." else rel_root
        if ignore is not None:
            # Prune excluded directories unless an exception pattern may re-include below them.
            subdirs[:] = [
                d
                for d in subdirs
                if ignore.has_exceptions
                or not ignore.excluded(posixpath.join(rel_root, d).lstrip("/"))
            ]
        subdirs.sort()
        base = posixpath.normpath(posixpath.join(dest, rel_root)) if rel_root else dest
        base = "" if base == "." else base
        if base and (ignore is None or not rel_root or not ignore.excluded(rel_root)):
            dirs.add(base)
        for name in names:
            full = Path(root) / name
            rel = posixpath.join(rel_root, name) if rel_root else name
            if ignore is not None and ignore.excluded(rel):
                continue
            if full.is_file():  # follows links; skips sockets, fifos, dangling links
                files[posixpath.join(base, name) if base else name] = str(full)
    return files, dirs


def collect(
    sources: list[tuple[str, str]] | list[tuple[str, str, list[str]]],
) -> tuple[dict[str, str], set[str]]:
    """Merge (absolute src, dest[, ignore files]) into {relative file path: src} and dirs."""
    files: dict[str, str] = {}
    dirs: set[str] = set()
    for src, dest, *rest in sources:
        source = Path(src)
        if source.is_dir():
            ignore = read_ignore(rest[0]) if rest and rest[0] else None
            found, found_dirs = _walk(source, dest, ignore)
            files.update(found)
            dirs.update(found_dirs)
        elif source.is_file():
            if not dest:
                raise ContextError(f"file {src} needs a dest file name")
            files[dest] = src
        else:
            raise ContextError(f"source {src} does not exist")
    return files, dirs


def _parents(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[: k + 1]) for k in range(len(parts))]


def file_mode(path: str) -> str:
    executable = Path(path).stat().st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return "0755" if executable else "0644"


def file_digest(path: str) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def build_context(
    sources: list[tuple[str, str]] | list[tuple[str, str, list[str]]],
    extra: dict | None = None,
    contents: dict[str, str] | None = None,
) -> dict:
    """The kept files and dirs of the merged context, and its hash.

    contents maps context paths to the text of generated files (mode 0644); they override
    a source file at the same path and are never ignored.
    """
    files, dirs = collect(sources)
    contents = contents or {}
    ignore_file = files.get(".dockerignore")
    ignore = DockerIgnore(Path(ignore_file).read_text(encoding="utf-8") if ignore_file else "")

    kept = {p: s for p, s in files.items() if p in ALWAYS_SENT or not ignore.excluded(p)}
    for path in contents:
        kept.pop(path, None)
    kept_dirs = {d for d in dirs if not ignore.excluded(d)}
    for path in [*kept, *contents]:
        kept_dirs.update(_parents(path))

    digest = hashlib.sha256(b"evaonline-build-context-v1\0")
    entries = []
    for path in sorted(kept_dirs | set(kept) | set(contents)):
        if path in contents:
            data = contents[path].encode()
            digest.update(f"f\0{path}\00644\0{hashlib.sha256(data).hexdigest()}\0".encode())
            entries.append({"path": path, "content": contents[path], "mode": "0644"})
        elif path in kept:
            mode = file_mode(kept[path])
            digest.update(f"f\0{path}\0{mode}\0{file_digest(kept[path])}\0".encode())
            entries.append({"path": path, "src": kept[path], "mode": mode})
        else:
            digest.update(f"d\0{path}\0".encode())
    digest.update(b"x\0" + json.dumps(extra or {}, sort_keys=True, default=str).encode())
    return {
        "hash": digest.hexdigest(),
        "files": entries,
        "dirs": sorted(kept_dirs),
        "ignored": len(files) - len(kept),
    }


def pack(context: dict, dest: str, mtime: int = 0) -> None:
    """Write the context as a tar with fixed owners and times, so it unpacks the same anywhere."""
    with tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as tar:
        for path in context["dirs"]:
            info = tarfile.TarInfo(path)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, mtime
            tar.addfile(info)
        for entry in context["files"]:
            info = tarfile.TarInfo(entry["path"])
            info.mode, info.mtime = int(entry["mode"], 8), mtime
            if "content" in entry:
                data = entry["content"].encode()
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
                continue
            with Path(entry["src"]).open("rb") as handle:
                info.size = os.fstat(handle.fileno()).st_size
                tar.addfile(info, handle)
