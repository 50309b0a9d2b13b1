"""``python -m skdeep.compile``: the cache warm-up runs each family and reports seconds."""
import subprocess
import sys

import pytest

from skdeep import compile as warmup


def test_warm_runs_a_family_and_times_it():
    seconds = warmup.warm(["embedding"], verbose=False)
    assert list(seconds) == [("embedding", "float32")]
    assert seconds[("embedding", "float32")] > 0


def test_unknown_family_and_dtype_are_refused():
    with pytest.raises(ValueError, match="Unknown families"):
        warmup.warm(["densse"])
    with pytest.raises(ValueError, match="float32 or float64"):
        warmup.warm(["embedding"], dtypes=("int32",))


def test_command_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "skdeep.compile", "--families", "embedding"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "embedding" in proc.stdout and "total" in proc.stdout
