"""Saves through symlinks, and temporary files of killed saves."""
import ast
import inspect
import os
import subprocess
import sys

import numpy as np
import pytest

from skdeep.nn import Sequential, _io, load_model
from skdeep.nn.layers import Dense

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def model(seed=0):
    m = Sequential([Dense(2, input_shape=(3,))])
    m.build()
    m.set_weights([np.full((3, 2), seed + 1.0), np.zeros(2)])
    return m


def test_callbacks_take_atomic_write_from_io_not_saving():
    """callbacks -> saving -> model -> callbacks was an import circle."""
    from skdeep.nn import callbacks, saving

    assert callbacks.atomic_write is _io.atomic_write is saving.atomic_write
    tree = ast.parse(inspect.getsource(callbacks))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "saving" not in imported and "_io" in imported


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_save_through_a_symlink_writes_its_target(tmp_path):
    target_dir = tmp_path / "store"
    target_dir.mkdir()
    target = target_dir / "real.keras"
    link = tmp_path / "link.keras"
    model(0).save(target)
    os.symlink(target, link)
    model(1).save(link)
    assert os.path.islink(link)
    assert os.readlink(link) == str(target)
    np.testing.assert_array_equal(load_model(target).get_weights()[0], np.full((3, 2), 2.0))
    weights_target, weights_link = target_dir / "w.bin", tmp_path / "w-link.bin"
    model(0).save_weights(weights_target)
    os.symlink(weights_target, weights_link)
    model(2).save_weights(weights_link)
    assert os.path.islink(weights_link)
    restored = model(0)
    restored.load_weights(weights_target)
    np.testing.assert_array_equal(restored.get_weights()[0], np.full((3, 2), 3.0))
    assert sorted(os.listdir(tmp_path)) == ["link.keras", "store", "w-link.bin"]
    assert sorted(os.listdir(target_dir)) == ["real.keras", "w.bin"]


def _killed_save(path):
    """A child process killed in the middle of atomic_write (SIGKILL)."""
    # _io imports nothing from skdeep: load the file alone (the package import is slow)
    io_path = os.path.join(ROOT, "skdeep", "nn", "_io.py")
    code = ("import os, signal, importlib.util as u\n"
            f"spec = u.spec_from_file_location('skdeep_io', {io_path!r})\n"
            "m = u.module_from_spec(spec); spec.loader.exec_module(m); atomic_write = m.atomic_write\n"
            "def write(f):\n"
            "    f.write(b'partial'); f.flush(); os.kill(os.getpid(), signal.SIGKILL)\n"
            f"atomic_write({str(path)!r}, write)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False)
    assert proc.returncode != 0


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL")
def test_killed_saves_leave_recognisable_temps_removed_by_the_next_save(tmp_path):
    path = tmp_path / "m.keras"
    other = tmp_path / "other.keras"
    model().save(path)
    for _ in range(3):
        _killed_save(path)
    _killed_save(other)
    temps = sorted(n for n in os.listdir(tmp_path) if n.endswith(_io.TMP_SUFFIX))
    assert len(temps) == 4
    assert all(n.startswith((".m.keras.", ".other.keras.")) for n in temps)
    assert len(_io.stale_temp_files(path)) == 3
    model(1).save(path)
    left = sorted(os.listdir(tmp_path))
    # only the target's own stale temps go; the other file's are not touched
    assert left[-1] == "m.keras" and len(left) == 2 and left[0].startswith(".other.keras.")
    assert load_model(path).get_weights()[0][0, 0] == 2.0


def test_a_save_in_progress_is_not_stale(tmp_path):
    path = tmp_path / "m.keras"
    seen = []

    def write(f):
        seen.append(_io.stale_temp_files(path))
        f.write(b"x")

    _io.atomic_write(path, write)
    assert seen == [[]]
    assert os.listdir(tmp_path) == ["m.keras"]
