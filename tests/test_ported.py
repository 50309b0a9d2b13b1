"""The ported keras-io guides and scikeras notebooks (examples/ported/) run
section by section on skdeep.

Each ``# %%`` section of a port is one test; the sections of a port run in
order in one namespace (as the script would), in a temporary folder. A
section that depends on work of another stream is marked
``xfail(strict=True)`` with the stream's name, so that it is noticed as
soon as it passes.

joblib runs ``n_jobs=-1`` searches on threads here: the code is unchanged,
but starting loky worker processes (each importing scikit-learn and
skdeep) cost ~30 s of the suite's time on a loaded 2-core machine.
"""
import contextlib
import io
import os
import sys
import time
import traceback
import types
from pathlib import Path

import joblib
import pytest

PORTED = Path(__file__).resolve().parent.parent / "examples" / "ported"
PORTS = sorted(p.stem for p in PORTED.glob("*.py") if not p.name.startswith("_"))

#: (port, section title) -> the stream whose work the section needs
NEEDS = {}

#: (port, section title) -> text its output must contain (Keras prints it)
EXPECT = {
    ("keras_writing_your_own_callbacks", "A basic example"): [
        "Starting training; got log keys: []", "...Training: end of batch 0",
        "End epoch 0 of training; got log keys: ['loss', 'mean_absolute_error', 'val_loss', "
        "'val_mean_absolute_error']", "Stop training"],
}
#: output expectations that need another stream's work
EXPECT_NEEDS = {}
EXPECT_MORE = {
    ("keras_writing_your_own_callbacks", "A basic example", "hooks"): [
        "Start testing; got log keys: []", "...Evaluating: end of batch 0",
        "Stop testing", "Start predicting; got log keys: []",
        "...Predicting: end of batch 0", "Stop predicting"],
}


def _sections(port):
    """``[(title, first line number, code)]`` split at ``# %%`` lines."""
    lines = (PORTED / f"{port}.py").read_text(encoding="utf-8").splitlines(keepends=True)
    out, title, start, chunk = [], "header", 1, []
    for number, line in enumerate(lines, 1):
        if line.startswith("# %%"):
            if "".join(chunk).strip():
                out.append((title, start, "".join(chunk)))
            title, start, chunk = line[4:].strip() or f"line {number}", number, []
        chunk.append(line)
    if "".join(chunk).strip():
        out.append((title, start, "".join(chunk)))
    return out


_RESULTS = {}
TIMES = {}  # (port, section) -> seconds, for keeping the whole run short


def _run(port, tmp_root):
    """Run every section of ``port``; returns {title: (error text or None, stdout)}."""
    if port in _RESULTS:
        return _RESULTS[port]
    path = PORTED / f"{port}.py"
    folder = tmp_root / port
    folder.mkdir(parents=True, exist_ok=True)
    # the script runs as __main__ (pickle and joblib's workers find its functions there)
    module = types.ModuleType("__main__")
    module.__file__ = str(path)
    namespace = module.__dict__
    results = {}
    old_cwd, old_path, old_main = os.getcwd(), list(sys.path), sys.modules["__main__"]
    os.chdir(folder)
    sys.path.insert(0, str(PORTED))
    sys.modules["__main__"] = module
    try:
        for title, start, code in _sections(port):
            out = io.StringIO()
            try:
                compiled = compile("\n" * (start - 1) + code, str(path), "exec")
                began = time.perf_counter()
                with contextlib.redirect_stdout(out), joblib.parallel_config(backend="threading"):
                    exec(compiled, namespace)
                TIMES[port, title] = time.perf_counter() - began
                results[title] = (None, out.getvalue())
            except Exception:  # noqa: BLE001 - reported by the section's test
                results[title] = (traceback.format_exc(limit=-6), out.getvalue())
    finally:
        os.chdir(old_cwd)
        sys.path[:] = old_path
        sys.modules["__main__"] = old_main
    _RESULTS[port] = results
    return results


def _can_plot():
    import importlib.util
    import shutil

    return importlib.util.find_spec("pydot") is not None and shutil.which("dot") is not None


def _cases():
    for port in PORTS:
        for title, _, _ in _sections(port):
            marks = []
            if (port, title) in NEEDS:
                marks.append(pytest.mark.xfail(strict=True,
                                               reason=f"needs {NEEDS[port, title]}"))
            yield pytest.param(port, title, id=f"{port}::{title}", marks=marks)


@pytest.fixture(scope="module")
def tmp_root(tmp_path_factory):
    return tmp_path_factory.mktemp("ported")


@pytest.mark.parametrize("port, title", list(_cases()))
def test_ported_section_runs(port, title, tmp_root):
    error, _ = _run(port, tmp_root)[title]
    if error is not None and "plot_model needs" in error and not _can_plot():
        pytest.skip("plot_model needs the 'plot' extra (pydot) and Graphviz's dot")
    if error is not None:
        pytest.fail(f"{port}, section {title!r} raised:\n{error}", pytrace=False)


def _expect_cases():
    for (port, title), texts in EXPECT.items():
        yield pytest.param(port, title, texts, id=f"{port}::{title}")
    for (port, title, what), texts in EXPECT_MORE.items():
        marks = []
        if (port, title, what) in EXPECT_NEEDS:
            marks.append(pytest.mark.xfail(strict=True,
                                           reason=f"needs {EXPECT_NEEDS[port, title, what]}"))
        yield pytest.param(port, title, texts, id=f"{port}::{title}::{what}", marks=marks)


@pytest.mark.parametrize("port, title, texts", list(_expect_cases()))
def test_ported_section_prints_what_keras_prints(port, title, texts, tmp_root):
    error, out = _run(port, tmp_root)[title]
    assert error is None, error
    missing = [t for t in texts if t not in out]
    assert not missing, f"{port}, section {title!r} did not print {missing}"


def test_every_port_names_its_source_and_license():
    for port in PORTS:
        head = (PORTED / f"{port}.py").read_text(encoding="utf-8")[:1500]
        assert "Source: https://github.com/" in head, port
        assert "License" in head, port
