"""Spreadsheet layouts the importers recognise, each described as data."""
