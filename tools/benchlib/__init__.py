"""The benchmark's sections (tools/bench.py runs them): one module per section of docs/benchmarks.md."""
