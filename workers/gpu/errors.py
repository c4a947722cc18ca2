"""Errors that mean "this job can never succeed": the trainer exits with code 2 (not retried)."""


class InvalidInput(Exception):
    """Bad spec, unsupported method field, bad or missing data, model not available locally."""
