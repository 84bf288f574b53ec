"""Exercises of the sheet `devoir`."""
