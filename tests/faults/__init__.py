"""Fault tests: crashes, concurrency, unwritable storage."""
