"""Benchmarks of what users feel, each measured side by side with its baseline in the same run (``make bench``)."""
