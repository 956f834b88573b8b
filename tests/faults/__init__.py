"""Faults the platform must survive without losing data or side effects."""
