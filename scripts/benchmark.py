"""Measure validate, build and load on synthetic datasets; write docs/benchmarks.md.

python scripts/benchmark.py [--sizes 10000,100000,1000000] [--repeat 3]
"""

import sys

from nzdefence.benchmark import main

if __name__ == "__main__":
    sys.exit(main())
