"""Exercises of the sheet `tp-cnn`."""
