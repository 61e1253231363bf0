"""The domain: the official format as data, the report model, the reviewers' checks, findings and errors.

Nothing here knows a file format; every other layer stands on this one.
"""
