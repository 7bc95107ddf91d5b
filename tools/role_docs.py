#!/usr/bin/env python3
"""Write each role's variable reference into its README.md, from meta/argument_specs.yml.

    tools/role_docs.py           rewrite the generated part of every role's README.md
    tools/role_docs.py --check   change nothing; exit 1 naming each README that is stale

The argument specs are the one source: the reference lists the `main` entry point's
options once, and names the other entry points with what they add to them.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import yaml

TOP = Path(__file__).resolve().parents[1]
BEGIN = "<!-- BEGIN GENERATED: variables -->"
END = "<!-- END GENERATED: variables -->"
NOTE = "<!-- Written by `make docs` from meta/argument_specs.yml: edit those, not this. -->"
# Ansible's documentation markup: C(code), O(option=value), V(value), I(italic), ... with
# \) and \\ escaped inside; a letter before the name means a word such as "MiB(" instead.
MARKUP = re.compile(r"(?<![A-Za-z0-9_])(RV|[BCEIKLMOPRUV])\(((?:[^\\)]|\\.)*)\)")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
CODE_MARKUP = {"C", "E", "M", "O", "V", "RV", "P", "K"}
# Fields of an option that change how it behaves; a description alone does not.
BEHAVIOUR = ("type", "elements", "default", "required", "choices", "options", "no_log")


def escape_text(text: str) -> str:
    """Plain text for a Markdown table cell: no emphasis, tags or cell breaks."""
    for char, repl in (("\\", "\\\\"), ("*", "\\*"), ("<", "&lt;"), (">", "&gt;")):
        text = text.replace(char, repl)
    return text.replace("|", "\\|")


def code(text: str) -> str:
    """A code span in a table cell; GFM reads \\| as a pipe even inside it."""
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    body = text.replace("|", "\\|")
    return f"{fence}{pad}{body}{pad}{fence}"


def plain(text: str) -> str:
    """Text that may hold Markdown code spans of its own (`like this`)."""
    out, pos = [], 0
    for match in CODE_SPAN.finditer(text):
        out += [escape_text(text[pos : match.start()]), code(match.group(2))]
        pos = match.end()
    return "".join([*out, escape_text(text[pos:])])


def markup(text: str) -> str:
    """Ansible documentation markup to Markdown for a table cell."""
    out, pos = [], 0
    for match in MARKUP.finditer(text):
        name, arg = match.group(1), re.sub(r"\\(.)", r"\1", match.group(2))
        out.append(plain(text[pos : match.start()]))
        if name in CODE_MARKUP:
            out.append(code(arg.split("#")[0] if name == "P" else arg))
        elif name == "I":
            out.append(f"*{escape_text(arg)}*")
        elif name == "B":
            out.append(f"**{escape_text(arg)}**")
        elif name == "U":
            out.append(f"<{arg}>")
        elif name == "L":
            label, _, url = arg.rpartition(",")
            out.append(f"[{escape_text(label.strip())}]({url.strip()})")
        else:  # R(text, reference): a link inside Ansible's docs site only
            out.append(escape_text(arg.rpartition(",")[0].strip() or arg))
        pos = match.end()
    return "".join([*out, plain(text[pos:])])


def paragraphs(description: str | list[str] | None) -> list[str]:
    if description is None:
        return []
    return [description] if isinstance(description, str) else [str(p) for p in description]


def value(data: Any) -> str:
    """A default or choice as YAML would write it, in one line."""
    if isinstance(data, str):
        return code(data) if data else code('""')
    if isinstance(data, bool | int | float) or data is None:
        return code(yaml.safe_dump(data).splitlines()[0])
    flow = yaml.safe_dump(data, default_flow_style=True, sort_keys=False, width=10**6)
    return code(flow.strip())


def type_of(spec: dict[str, Any]) -> str:
    kind = spec.get("type", "str")
    return f"{kind} of {spec['elements']}" if "elements" in spec else str(kind)


def rows(options: dict[str, Any], in_defaults: set[str], prefix: str = "") -> list[str]:
    """One table row per option, suboptions after their parent as parent.child."""
    out = []
    for name, spec in options.items():
        spec = spec or {}
        if "default" in spec:
            default = value(spec["default"])
        elif not prefix and name in in_defaults:
            default = "in `defaults/main.yml`"
        else:
            default = ""
        text = "<br>".join(markup(p) for p in paragraphs(spec.get("description")))
        if spec.get("no_log"):
            text += " Not logged (`no_log`)."
        label = code(prefix + name)
        if spec.get("aliases"):
            label += " (aliases: " + ", ".join(code(a) for a in spec["aliases"]) + ")"
        cells = [
            label,
            type_of(spec),
            "yes" if spec.get("required") else "no",
            default,
            ", ".join(value(c) for c in spec.get("choices", [])),
            text.strip(),
        ]
        out.append("| " + " | ".join(cells) + " |")
        if spec.get("options"):
            child = f"{prefix}{name}[]." if spec.get("type") == "list" else f"{prefix}{name}."
            out += rows(spec["options"], in_defaults, child)
    return out


def table(options: dict[str, Any], in_defaults: set[str]) -> list[str]:
    return [
        "| variable | type | required | default | choices | description |",
        "| --- | --- | --- | --- | --- | --- |",
        *rows(options, in_defaults),
    ]


def behaviour(spec: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (spec or {}).items() if k in BEHAVIOUR}


def entry_point(name: str, spec: dict[str, Any], main: dict[str, Any]) -> tuple[str, dict]:
    """The entry point's line and the options it has beyond (or unlike) main's."""
    options = spec.get("options") or {}
    shared = [o for o in options if o in main and behaviour(options[o]) == behaviour(main[o])]
    own = {o: s for o, s in options.items() if o not in shared}
    line = f"- `{name}` (`tasks_from: {name}`): {markup(spec.get('short_description', ''))}"
    if shared and len(shared) == len(main):
        line += " It takes every variable of `main`" + (", and these:" if own else ".")
    elif shared:
        names = ", ".join(code(o) for o in shared)
        line += f" It takes {names} of `main`" + (", and these:" if own else ".")
    elif own:
        line += " Its variables:"
    return line, own


def render(role: str, specs: dict[str, Any], in_defaults: set[str]) -> str:
    """The generated block, markers included."""
    main = specs.get("main") or {}
    main_options = main.get("options") or {}
    out = [BEGIN, NOTE, "## Variables", ""]
    summary = markup(main.get("short_description", ""))
    out += [f"`evaonline.deploy.{role}` (entry point `main`): {summary}", ""]
    out += [f"- {markup(p)}" for p in paragraphs(main.get("description"))]
    out += ["", *table(main_options, in_defaults), ""]
    others = [(n, s) for n, s in specs.items() if n != "main"]
    if others:
        out += ["### Other entry points", ""]
    for name, spec in others:
        line, own = entry_point(name, spec or {}, main_options)
        out += [line, ""]
        if own:
            out += [*table(own, in_defaults), ""]
    return "\n".join([*out, END])


def role_names(top: Path = TOP) -> list[str]:
    return sorted(p.parent.parent.name for p in top.glob("roles/*/meta/argument_specs.yml"))


def expected(role: str, top: Path = TOP) -> tuple[Path, str]:
    """A role's README path and the text it should have."""
    role_dir = top / "roles" / role
    specs = yaml.safe_load((role_dir / "meta/argument_specs.yml").read_text())["argument_specs"]
    defaults_file = role_dir / "defaults/main.yml"
    defaults = yaml.safe_load(defaults_file.read_text()) if defaults_file.exists() else None
    block = render(role, specs, set(defaults or {}))
    readme = role_dir / "README.md"
    if not readme.exists():
        return readme, f"# evaonline.deploy.{role}\n\n{block}\n"
    text = readme.read_text()
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise SystemExit(f"{readme}: needs one {BEGIN} ... {END} pair")
    head, rest = text.split(BEGIN)
    return readme, head + block + rest.split(END, 1)[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a README is stale")
    args = parser.parse_args(argv)
    stale = []
    for role in role_names():
        readme, text = expected(role)
        if readme.exists() and readme.read_text() == text:
            continue
        stale.append(readme.relative_to(TOP))
        if not args.check:
            readme.write_text(text)
    for path in stale:
        print(f"{path}: {'stale, run make docs' if args.check else 'written'}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
