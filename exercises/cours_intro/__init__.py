"""Exercises of the sheet `cours-intro`."""
