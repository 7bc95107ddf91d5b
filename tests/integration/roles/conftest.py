"""Make ``ansible_collections.evaonline.deploy`` importable from the checkout (as in tests/unit)."""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

if importlib.util.find_spec("ansible_collections.evaonline") is None:
    sys.path.insert(0, str(ROOT / ".collections"))
