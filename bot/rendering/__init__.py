"""Rendering of reports into files people look at (charts, sheets)."""
