"""Exercises of the sheet `cours-cnn`."""
