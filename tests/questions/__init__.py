"""Unit tests of the questions package."""
