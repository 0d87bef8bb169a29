"""Demo helpers: synthetic customers for the demo, tests and benchmarks."""
