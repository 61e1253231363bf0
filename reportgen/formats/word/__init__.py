"""Word: the submission-ready .docx report, filled from the official template."""
