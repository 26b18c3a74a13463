"""The Celery worker: the analysis task and its process set-up."""
