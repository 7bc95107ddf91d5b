"""Request and response models of the HTTP API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from backend.core.eto import DailyWeather, daylight_hours

# Tolerance on n <= N: sunshine recorders round to tenths of an hour.
SUNSHINE_TOLERANCE_H = 0.1


class EtoRequest(BaseModel):
    """One day of weather at one site (FAO-56 daily Penman-Monteith inputs).

    Humidity: give rh_min and rh_max (preferred, Eq. 17) or rh_mean (Eq. 19).
    Radiation: give sunshine_hours (n, Eq. 35) or solar_radiation (Rs, measured).
    """

    model_config = ConfigDict(extra="forbid")

    date: dt.date
    latitude: float = Field(ge=-90, le=90, description="decimal degrees, north positive")
    elevation: float = Field(ge=-450, le=9000, description="m above sea level")
    tmin: float = Field(ge=-90, le=60, description="daily minimum air temperature, deg C")
    tmax: float = Field(ge=-90, le=60, description="daily maximum air temperature, deg C")
    rh_min: float | None = Field(default=None, ge=0, le=100, description="%")
    rh_max: float | None = Field(default=None, ge=0, le=100, description="%")
    rh_mean: float | None = Field(default=None, ge=0, le=100, description="%")
    wind_speed_2m: float = Field(ge=0, le=75, description="mean wind speed at 2 m, m/s")
    sunshine_hours: float | None = Field(default=None, ge=0, le=24, description="n, hours")
    solar_radiation: float | None = Field(default=None, ge=0, le=50, description="Rs, MJ m-2 day-1")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.tmin > self.tmax:
            raise ValueError("tmin must not exceed tmax")
        self._check_humidity()
        self._check_radiation()
        return self

    def _check_humidity(self) -> None:
        pair = (self.rh_min, self.rh_max)
        if None not in pair and self.rh_mean is not None:
            raise ValueError("give rh_min and rh_max, or rh_mean, not both")
        if pair.count(None) == 1:
            raise ValueError("rh_min and rh_max must be given together")
        if self.rh_min is not None and self.rh_max is not None:
            if self.rh_min > self.rh_max:
                raise ValueError("rh_min must not exceed rh_max")
        elif self.rh_mean is None:
            raise ValueError("humidity is required: rh_min and rh_max, or rh_mean")

    def _check_radiation(self) -> None:
        if (self.sunshine_hours is None) == (self.solar_radiation is None):
            raise ValueError("give exactly one of sunshine_hours or solar_radiation")
        if self.sunshine_hours is not None:
            n_max = daylight_hours(self.latitude, self.date)
            if self.sunshine_hours > n_max + SUNSHINE_TOLERANCE_H:
                raise ValueError(
                    f"sunshine_hours {self.sunshine_hours} exceeds the day length"
                    f" {n_max:.2f} h at this latitude and date"
                )

    def to_weather(self) -> DailyWeather:
        return DailyWeather(
            day=self.date,
            latitude=self.latitude,
            elevation=self.elevation,
            tmin=self.tmin,
            tmax=self.tmax,
            wind_speed_2m=self.wind_speed_2m,
            rh_min=self.rh_min,
            rh_max=self.rh_max,
            rh_mean=self.rh_mean,
            sunshine_hours=self.sunshine_hours,
            solar_radiation=self.solar_radiation,
        )


class EtoAccepted(BaseModel):
    id: uuid.UUID
    status: Literal["pending"] = "pending"
    url: str


class EtoStatus(BaseModel):
    id: uuid.UUID
    status: Literal["pending", "done", "failed"]
    eto_mm_day: float | None = None
    error: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
