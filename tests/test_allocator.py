"""core.allocator: glibc's malloc keeps freed memory for reuse (summarise's large temporary arrays)."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from ics_leadership.core import allocator

glibc = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")


@glibc
def test_the_settings_take_effect_on_glibc():
    code = "from ics_leadership.core import allocator; import sys; sys.exit(0 if allocator.keep_freed_memory() else 1)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0  # in a process of its own


def test_elsewhere_it_does_nothing(monkeypatch):
    monkeypatch.setattr(allocator.sys, "platform", "darwin")
    assert allocator.keep_freed_memory() is False


@glibc
def test_a_process_with_the_settings_still_computes_the_same(tmp_path):
    code = (
        "import numpy as np; from ics_leadership.core import allocator; allocator.keep_freed_memory();"
        "print(sum(int(np.arange(2_000_000, dtype=np.int64).sum()) for _ in range(20)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert int(out) == 20 * (2_000_000 * 1_999_999 // 2)
