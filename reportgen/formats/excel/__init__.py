"""Excel: the companion workbook, the township fill-in form and the county workbook."""
