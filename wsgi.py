"""WSGI entry point: `gunicorn wsgi:app`."""
from scorecard import create_app, served_copy_is_the_installed_one, settle_for_serving

served_copy_is_the_installed_one()  # not this checkout's code beside another copy installed (`pip install .`)
app = create_app()
settle_for_serving()  # start-up objects out of the collector's way (see its docstring)
