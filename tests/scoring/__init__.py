"""Unit tests of the scoring package."""
