"""Make ``ansible_collections.evaonline.deploy`` importable from the checkout.

The repo ships ``.collections/ansible_collections/evaonline/deploy`` -> repo root; under
``ansible-test units`` the collection is already on ``sys.path`` and this is a no-op.
"""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

if importlib.util.find_spec("ansible_collections.evaonline") is None:
    sys.path.insert(0, str(ROOT / ".collections"))
