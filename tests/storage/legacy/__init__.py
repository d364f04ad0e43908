"""Storage models as they were at earlier commits, to make databases the way old versions did."""
