"""The benchmark suite of issue 11 (``make bench``); see bench/run.py and bench/RESULTS.md."""
