"""The progress bar of a batch run, on standard error. The only module that imports tqdm."""

from __future__ import annotations

import sys

from tqdm import tqdm


class ProgressBar:
    """Counts inputs as their lines are written; shown only when standard error is a terminal."""

    def __init__(self, enabled: bool | None = None):
        shown = sys.stderr.isatty() if enabled is None else enabled
        self.bar = tqdm(unit=" inputs", file=sys.stderr, dynamic_ncols=True, disable=not shown)

    def __call__(self, count: int) -> None:
        self.bar.update(count)

    def close(self) -> None:
        self.bar.close()
