"""WSGI entry point: `gunicorn wsgi:app`."""
from scorecard import create_app

app = create_app()
