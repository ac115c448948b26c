"""Shared test set-up: this folder on the import path, for `support`."""
