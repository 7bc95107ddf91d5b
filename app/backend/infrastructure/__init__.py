"""Adapters to Postgres, Redis and Celery."""
