# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of evaonline.deploy.file_set: render the templates on the controller, then
write every file in one module call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.plugins.action import ActionBase
from ansible.plugins.loader import lookup_loader
from ansible.release import __version__ as ANSIBLE_VERSION

# Before 2.19 the template lookup turns text that looks like a literal ({...}) into data
# unless told not to; from 2.19 that option is deprecated and text stays text.
_LOOKUP_OPTIONS = (
    {"convert_data": False}
    if tuple(int(p) for p in ANSIBLE_VERSION.split(".")[:2]) < (2, 19)
    else {}
)


def needs_render(spec: Any) -> bool:
    return isinstance(spec, dict) and bool(spec.get("template"))


def sources(spec: dict) -> list:
    return [k for k in ("content", "template", "src") if spec.get(k) is not None]


def split_secrets(files: list) -> dict[str, Any]:
    """Move the content of secret files to secret_contents, which the module keeps out of every
    log and result, so the other files can still show a diff."""
    secrets = {}
    public = []
    for spec in files:
        if isinstance(spec, dict) and spec.get("secret") and spec.get("content") is not None:
            secrets[spec["dest"]] = spec["content"]
            spec = {k: v for k, v in spec.items() if k != "content"}
        public.append(spec)
    return {"files": public, "secret_contents": secrets}


class ActionModule(ActionBase):
    """Renders with ansible.builtin.template's own lookup, so templates see what a template
    task sees (the task's variables, ansible_managed, the role's templates/)."""

    TRANSFERS_FILES = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        files = self._task.args.get("files") or []
        if not isinstance(files, list):
            raise AnsibleActionFail("files must be a list")
        rendered = self._rendered(files, task_vars)
        module_args = {**self._task.args, **split_secrets(rendered)}
        result.update(
            self._execute_module(
                module_name="evaonline.deploy.file_set",
                module_args=module_args,
                task_vars=task_vars,
            )
        )
        return result

    def _rendered(self, files: list, task_vars: dict[str, Any]) -> list:
        for spec in files:
            if not isinstance(spec, dict) or len(sources(spec)) != 1:
                raise AnsibleActionFail(
                    "files: each entry needs exactly one of content, template and src (got %r)"
                    % (sources(spec) if isinstance(spec, dict) else spec)
                )
        files = [self._read_src(spec) for spec in files]
        wanted = [f["template"] for f in files if needs_render(f)]
        if not wanted:
            return files
        lookup = lookup_loader.get(
            "ansible.builtin.template", loader=self._loader, templar=self._templar
        )
        try:
            texts = iter(lookup.run(wanted, variables=task_vars, **_LOOKUP_OPTIONS))
        except AnsibleError as exc:
            raise AnsibleActionFail("cannot render the templates: %s" % exc) from exc
        out = []
        for spec in files:
            if needs_render(spec):
                text = next(texts)
                if not isinstance(text, str):
                    raise AnsibleActionFail("%s did not render to text" % spec["template"])
                spec = {k: v for k, v in spec.items() if k != "template"}
                spec["content"] = str(text)
            out.append(spec)
        return out

    def _read_src(self, spec: dict) -> dict:
        """A static file under the role's files/, copied as it is."""
        if spec.get("src") is None:
            return spec
        try:
            content = Path(self._find_needle("files", spec["src"])).read_text(encoding="utf-8")
        except (AnsibleError, OSError) as exc:
            raise AnsibleActionFail("files: cannot read %s: %s" % (spec["src"], exc)) from exc
        return {**{k: v for k, v in spec.items() if k != "src"}, "content": content}
