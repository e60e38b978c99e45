"""Importers: read analysts' spreadsheets, validate, plan and commit them as import batches."""
