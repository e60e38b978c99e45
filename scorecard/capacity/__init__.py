"""Capacity assessments on the web: the grid of components by fiscal year, one assessment with its
domains, entering and submitting it (analysts, admins), reopening a submitted year (admins)."""
from flask import Blueprint

bp = Blueprint("capacity", __name__)

from scorecard.capacity import routes  # noqa: E402,F401
