"""Batch work on an existing Dask distributed cluster. The only module that imports Dask.

Each chunk of inputs is one task; every worker loads the rules once (from the bundled
rules, or from --rules, a path that must be readable on the workers) and returns the same
JSON lines a local run writes, so the output is byte for byte the same.
"""

from __future__ import annotations

from distributed import Client

from .batch import decide_chunk


class DaskRunner:
    chunk = 64                      # inputs per task: fewer, larger tasks keep the scheduler's share small

    def __init__(self, address: str, rules_dir, limits=None):
        self.client = Client(address, timeout="30s")
        self.rules_dir, self.limits = rules_dir, limits
        self.window = max(4, 4 * sum(self.client.nthreads().values()))

    def submit(self, chunk):
        return self.client.submit(decide_chunk, self.rules_dir, chunk, self.limits, pure=False)

    def recover(self):
        pass                                # the scheduler reschedules the tasks of a lost worker itself

    def close(self):
        self.client.close()


def local_cluster(workers: int):
    """A LocalCluster of worker processes (one thread each), for tests and benchmarks."""
    from distributed import LocalCluster
    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)


__all__ = ["DaskRunner", "local_cluster"]
