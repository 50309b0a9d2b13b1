"""skdeep benchmark suite (run on demand: ``python -m benchmarks.run``)."""
