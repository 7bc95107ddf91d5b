"""FAO-56 Penman-Monteith reference evapotranspiration (ET0), daily time step.

Pure functions, no I/O. Equation numbers refer to Allen et al. (1998),
FAO Irrigation and Drainage Paper 56, chapter 3 and 4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

SOLAR_CONSTANT = 0.0820  # Gsc, MJ m-2 min-1
STEFAN_BOLTZMANN = 4.903e-9  # sigma, MJ K-4 m-2 day-1
ALBEDO = 0.23  # hypothetical grass reference crop
ANGSTROM_A = 0.25  # a_s, recommended when no local calibration exists
ANGSTROM_B = 0.50  # b_s


@dataclass(frozen=True)
class DailyWeather:
    """One day of weather at one site; either humidity or radiation option may be used."""

    day: date
    latitude: float  # decimal degrees, north positive
    elevation: float  # m above sea level
    tmin: float  # deg C
    tmax: float  # deg C
    wind_speed_2m: float  # m/s
    rh_min: float | None = None  # %
    rh_max: float | None = None  # %
    rh_mean: float | None = None  # %
    sunshine_hours: float | None = None  # n, hours
    solar_radiation: float | None = None  # Rs, MJ m-2 day-1


@dataclass(frozen=True)
class EtoResult:
    """ET0 with the intermediate terms, so a caller can audit the computation."""

    eto: float  # mm/day
    ra: float  # extraterrestrial radiation, MJ m-2 day-1
    rs: float  # solar radiation
    rso: float  # clear-sky solar radiation
    rn: float  # net radiation
    rnl: float  # net longwave radiation
    es: float  # saturation vapour pressure, kPa
    ea: float  # actual vapour pressure, kPa
    delta: float  # slope of the vapour pressure curve, kPa/degC
    gamma: float  # psychrometric constant, kPa/degC


def atmospheric_pressure(elevation: float) -> float:
    """Eq. 7: P in kPa from elevation in m."""
    return 101.3 * ((293.0 - 0.0065 * elevation) / 293.0) ** 5.26


def psychrometric_constant(elevation: float) -> float:
    """Eq. 8: gamma in kPa/degC."""
    return 0.665e-3 * atmospheric_pressure(elevation)


def saturation_vapour_pressure(temperature: float) -> float:
    """Eq. 11: e°(T) in kPa."""
    return 0.6108 * math.exp(17.27 * temperature / (temperature + 237.3))


def vapour_pressure_slope(temperature: float) -> float:
    """Eq. 13: Delta in kPa/degC at air temperature T."""
    return 4098.0 * saturation_vapour_pressure(temperature) / (temperature + 237.3) ** 2


def actual_vapour_pressure(
    tmin: float,
    tmax: float,
    rh_min: float | None = None,
    rh_max: float | None = None,
    rh_mean: float | None = None,
) -> float:
    """Eq. 17 (RHmin and RHmax) or Eq. 19 (RHmean): ea in kPa."""
    e_tmin = saturation_vapour_pressure(tmin)
    e_tmax = saturation_vapour_pressure(tmax)
    if rh_min is not None and rh_max is not None:
        return (e_tmin * rh_max / 100.0 + e_tmax * rh_min / 100.0) / 2.0
    if rh_mean is not None:
        return rh_mean / 100.0 * (e_tmax + e_tmin) / 2.0
    raise ValueError("humidity needs rh_min and rh_max, or rh_mean")


def _solar_geometry(latitude: float, day: date) -> tuple[float, float, float, float]:
    """Eqs. 22-25: latitude (rad), inverse relative distance, declination, sunset angle."""
    phi = math.radians(latitude)
    doy = day.timetuple().tm_yday
    dr = 1.0 + 0.033 * math.cos(2.0 * math.pi * doy / 365.0)
    decl = 0.409 * math.sin(2.0 * math.pi * doy / 365.0 - 1.39)
    # Clamp: beyond the polar circles the sun never sets (or rises) on some days.
    cos_ws = max(-1.0, min(1.0, -math.tan(phi) * math.tan(decl)))
    return phi, dr, decl, math.acos(cos_ws)


def extraterrestrial_radiation(latitude: float, day: date) -> float:
    """Eq. 21: Ra in MJ m-2 day-1."""
    phi, dr, decl, ws = _solar_geometry(latitude, day)
    return (
        24.0
        * 60.0
        / math.pi
        * SOLAR_CONSTANT
        * dr
        * (ws * math.sin(phi) * math.sin(decl) + math.cos(phi) * math.cos(decl) * math.sin(ws))
    )


def daylight_hours(latitude: float, day: date) -> float:
    """Eq. 34: maximum possible sunshine duration N in hours."""
    return 24.0 / math.pi * _solar_geometry(latitude, day)[3]


def wind_speed_at_2m(speed: float, height: float) -> float:
    """Eq. 47: convert wind speed measured at `height` m to 2 m."""
    return speed * 4.87 / math.log(67.8 * height - 5.42)


def solar_radiation_from_sunshine(sunshine_hours: float, latitude: float, day: date) -> float:
    """Eq. 35 (Angstrom): Rs in MJ m-2 day-1 from sunshine duration n."""
    n_max = daylight_hours(latitude, day)
    ratio = sunshine_hours / n_max if n_max > 0 else 0.0
    return (ANGSTROM_A + ANGSTROM_B * ratio) * extraterrestrial_radiation(latitude, day)


def net_longwave_radiation(tmin: float, tmax: float, ea: float, rs: float, rso: float) -> float:
    """Eq. 39: Rnl in MJ m-2 day-1."""
    # Rs/Rso is capped at 1 (Eq. 39 note); without sun (polar night) there is no
    # clear-sky reference, so take a mid cloudiness rather than divide by zero.
    relative_rs = min(rs / rso, 1.0) if rso > 0 else 0.5
    tk4 = ((tmax + 273.16) ** 4 + (tmin + 273.16) ** 4) / 2.0
    return STEFAN_BOLTZMANN * tk4 * (0.34 - 0.14 * math.sqrt(ea)) * (1.35 * relative_rs - 0.35)


def penman_monteith_daily(w: DailyWeather) -> EtoResult:
    """Eq. 6 with soil heat flux G = 0 (Eq. 42, daily step): ET0 in mm/day."""
    tmean = (w.tmax + w.tmin) / 2.0  # Eq. 9
    delta = vapour_pressure_slope(tmean)
    gamma = psychrometric_constant(w.elevation)
    es = (saturation_vapour_pressure(w.tmax) + saturation_vapour_pressure(w.tmin)) / 2.0
    ea = actual_vapour_pressure(w.tmin, w.tmax, w.rh_min, w.rh_max, w.rh_mean)

    ra = extraterrestrial_radiation(w.latitude, w.day)
    if w.solar_radiation is not None:
        rs = w.solar_radiation
    elif w.sunshine_hours is not None:
        rs = solar_radiation_from_sunshine(w.sunshine_hours, w.latitude, w.day)
    else:
        raise ValueError("radiation needs sunshine_hours or solar_radiation")
    rso = (0.75 + 2e-5 * w.elevation) * ra  # Eq. 37
    rns = (1.0 - ALBEDO) * rs  # Eq. 38
    rnl = net_longwave_radiation(w.tmin, w.tmax, ea, rs, rso)
    rn = rns - rnl  # Eq. 40
    soil_heat_flux = 0.0

    u2 = w.wind_speed_2m
    numerator = 0.408 * delta * (rn - soil_heat_flux) + gamma * 900.0 / (tmean + 273.0) * u2 * (
        es - ea
    )
    denominator = delta + gamma * (1.0 + 0.34 * u2)
    eto = numerator / denominator
    return EtoResult(
        eto=eto, ra=ra, rs=rs, rso=rso, rn=rn, rnl=rnl, es=es, ea=ea, delta=delta, gamma=gamma
    )
