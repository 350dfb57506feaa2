"""truthound: a data profiler with a C++ one-pass engine and mergeable partial profiles.

>>> import pyarrow as pa, truthound.profiler as tp
>>> tp.profile(pa.table({"x": [1, 2, None]})).columns[0].null_count
1
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
