"""Exercises of the sheet `td2`."""
