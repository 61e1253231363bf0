"""Pipelines: one report (generate), many reports (bulk), many published reports (audit)."""
