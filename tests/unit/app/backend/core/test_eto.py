"""FAO-56 Penman-Monteith against the worked examples of Allen et al. (1998)."""

from __future__ import annotations

import dataclasses
import math
from datetime import date

import pytest
from backend.core import eto

# FAO-56 Example 18: Brussels, 6 July, 50 deg 48' N, 100 m.
BRUSSELS = eto.DailyWeather(
    day=date(2026, 7, 6),
    latitude=50 + 48 / 60,
    elevation=100,
    tmin=12.3,
    tmax=21.5,
    rh_min=63,
    rh_max=84,
    wind_speed_2m=2.078,
    sunshine_hours=9.25,
)


def test_wind_speed_converted_to_2m_example_14() -> None:
    # 10 km/h (2.778 m/s) measured at 10 m -> 2.078 m/s at 2 m.
    assert eto.wind_speed_at_2m(10 / 3.6, 10) == pytest.approx(2.078, abs=1e-3)


def test_example_18_brussels_eto() -> None:
    result = eto.penman_monteith_daily(BRUSSELS)
    assert result.eto == pytest.approx(3.9, abs=0.05)


@pytest.mark.parametrize(
    ("field", "expected", "tolerance"),
    [
        ("ra", 41.09, 0.01),
        ("rs", 22.07, 0.01),
        ("rso", 30.90, 0.01),
        ("rnl", 3.71, 0.01),
        ("rn", 13.28, 0.01),
        ("es", 1.997, 0.001),
        ("ea", 1.409, 0.001),
        ("delta", 0.122, 0.001),
        ("gamma", 0.0666, 0.0001),
    ],
)
def test_example_18_intermediate_terms(field: str, expected: float, tolerance: float) -> None:
    result = eto.penman_monteith_daily(BRUSSELS)
    assert getattr(result, field) == pytest.approx(expected, abs=tolerance)


def test_example_18_day_length() -> None:
    assert eto.daylight_hours(BRUSSELS.latitude, BRUSSELS.day) == pytest.approx(16.1, abs=0.05)


def test_example_8_extraterrestrial_radiation() -> None:
    # 3 September, 20 deg S: Ra = 32.2 MJ m-2 day-1.
    assert eto.extraterrestrial_radiation(-20, date(2026, 9, 3)) == pytest.approx(32.2, abs=0.05)


def test_example_2_psychrometric_constant() -> None:
    # 1800 m: P = 81.8 kPa, gamma = 0.054 kPa/degC.
    assert eto.atmospheric_pressure(1800) == pytest.approx(81.8, abs=0.05)
    assert eto.psychrometric_constant(1800) == pytest.approx(0.054, abs=0.0005)


def test_measured_radiation_equals_sunshine_derived() -> None:
    rs = eto.solar_radiation_from_sunshine(9.25, BRUSSELS.latitude, BRUSSELS.day)
    measured = dataclasses.replace(BRUSSELS, sunshine_hours=None, solar_radiation=rs)
    assert eto.penman_monteith_daily(measured).eto == pytest.approx(
        eto.penman_monteith_daily(BRUSSELS).eto
    )


def test_rh_mean_path_uses_eq_19() -> None:
    e_min = eto.saturation_vapour_pressure(12.3)
    e_max = eto.saturation_vapour_pressure(21.5)
    assert eto.actual_vapour_pressure(12.3, 21.5, rh_mean=73.5) == pytest.approx(
        0.735 * (e_min + e_max) / 2
    )


def test_missing_humidity_raises() -> None:
    with pytest.raises(ValueError, match="humidity"):
        eto.actual_vapour_pressure(10, 20)


def test_polar_night_is_finite() -> None:
    # 80 deg N in December: no sunrise, Ra = Rso = 0; must not divide by zero.
    polar = eto.DailyWeather(
        day=date(2026, 12, 21),
        latitude=80,
        elevation=10,
        tmin=-25,
        tmax=-18,
        rh_mean=80,
        wind_speed_2m=3,
        solar_radiation=0,
    )
    result = eto.penman_monteith_daily(polar)
    assert result.ra == pytest.approx(0, abs=1e-9)
    assert math.isfinite(result.eto)
