"""File formats: the readers and writers, each on the domain below it.

``inputs`` (YAML/JSON), ``excel`` (the workbook, the fill-in form, the county workbook), ``word`` (the .docx
report), ``published`` (reading published reports back), ``ooxml`` (the low-level package and XML layer they
share) and ``load`` (one entry that picks the reader by file type). No reader imports a writer.
"""
