"""Builders of the hostile-input corpus (tests/test_hostile.py): every file is generated, none downloaded."""
