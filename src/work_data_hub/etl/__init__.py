"""ETL: read the business's monthly files, validate them whole, and load them in one transaction."""
