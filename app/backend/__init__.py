"""EVAonline reference backend: FastAPI api, Celery tasks, FAO-56 ET0."""

__version__ = "0.1.0"
