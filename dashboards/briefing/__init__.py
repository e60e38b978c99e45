"""Briefing export: a dashboard's current view (today the overview's quarter and agency) as a PDF
and an XLSX briefing, written in the background with progress.

- `content`: what a briefing says, as plain tables, read through the overview's own queries;
- `pdf` (fpdf2, tagged) and `xlsx` (openpyxl, a frozen header per sheet) draw it;
- `jobs`: the background jobs (a thread pool, state in a folder per job, owner-only);
- `panel`: the buttons, progress and download of a page; `web`: the download route.
"""
from dashboards.briefing.panel import panel, register

__all__ = ["panel", "register"]
