"""Spark Check test suite (a package so test modules may share helpers)."""
