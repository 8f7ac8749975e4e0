"""Keeping the fast loop (``make test-fast``) to one case of a sweep."""
import pytest


def sweep(values, fast):
    """Parameters for ``values`` where all but those in ``fast`` are marked
    ``slow``: ``make test-fast`` runs one representative case, ``make test``
    the whole sweep."""
    return [value if value in fast else pytest.param(
        value, marks=pytest.mark.slow) for value in values]
