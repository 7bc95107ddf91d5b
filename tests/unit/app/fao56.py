"""FAO-56 Example 18 (Brussels, 6 July) as an API request body: ET0 about 3.9 mm/day."""

BRUSSELS_REQUEST = {
    "date": "2026-07-06",
    "latitude": 50.8,
    "elevation": 100,
    "tmin": 12.3,
    "tmax": 21.5,
    "rh_min": 63,
    "rh_max": 84,
    "wind_speed_2m": 2.078,
    "sunshine_hours": 9.25,
}
