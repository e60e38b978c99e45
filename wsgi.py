"""WSGI entry point: `gunicorn wsgi:app`."""
from scorecard import create_app, settle_for_serving

app = create_app()
settle_for_serving()  # start-up objects out of the collector's way (see its docstring)
