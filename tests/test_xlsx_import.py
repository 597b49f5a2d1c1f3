"""openpyxl is imported without numpy only when no other thread could import numpy meanwhile."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys, threading
from publisher.reports.writers import load_openpyxl
hold = threading.Event()
other = threading.Thread(target=hold.wait)
if sys.argv[1] == "threaded":
    other.start()
load_openpyxl()
import openpyxl
print("numpy" in sys.modules)
hold.set()
"""


def _numpy_loaded(mode: str) -> bool:
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip() == "True"


def test_alone_openpyxl_comes_without_numpy_and_beside_a_thread_as_it_is() -> None:
    assert _numpy_loaded("alone") is False  # numpy hidden for the import: a cheaper report
    assert _numpy_loaded("threaded") is True  # another thread may import numpy meanwhile: nothing hidden
