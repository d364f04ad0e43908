"""Unit tests of the reporting package."""
