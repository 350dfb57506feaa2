"""truthound's benchmarks: ``python -m bench run --suite quick|full|scaling`` (see docs/benchmarks.md).

The single benchmarks (``bench/bench_*.py``) still run as scripts.
"""
