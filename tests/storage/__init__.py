"""Unit tests of the storage package."""
