"""The project's own input files: YAML and JSON, read and written."""
