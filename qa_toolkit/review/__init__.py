"""Human review: the grading workbook (export/import) and agreement statistics (calibration)."""
