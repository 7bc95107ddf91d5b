"""FAO-56 Example 18 (Brussels, 6 July) as an API request body: ET0 about 3.9 mm/day."""

import json
from pathlib import Path

BRUSSELS_REQUEST = json.loads(
    (Path(__file__).parents[2] / "data" / "fao56_example18.json").read_text()
)
