"""Make ``ansible_collections.evaonline.deploy`` importable from the checkout.

The repo ships ``.collections/ansible_collections/evaonline/deploy`` -> repo root; under
``ansible-test units`` the collection is already on ``sys.path`` and this is a no-op.
"""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _importable(name: str) -> bool:
    # find_spec raises when the parent package (ansible_collections) is missing too.
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


if not _importable("ansible_collections.evaonline"):
    sys.path.insert(0, str(ROOT / ".collections"))
