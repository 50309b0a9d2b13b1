"""Run the benchmark workloads against the peers and print a markdown table.

Usage (from the repository root)::

    python -m benchmarks.run [--workloads mlp,gemm] [--frameworks skdeep,torch]
                             [--repeats 3] [--out benchmarks/RESULTS.md] [--list]

Every (workload, framework) cell runs ``--repeats`` times, each time in a
fresh Python process; the table shows the median of each figure. Repeats are
interleaved (round 1 of every cell, then round 2, ...) so that a burst of load
from something else on the machine does not land on one framework only.
"""
import argparse
import datetime
import importlib
import json
import os
import pkgutil
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import traceback

from benchmarks import common

MARKER = "BENCH_RESULT "
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_NOT_WORKLOADS = {"run", "common"}
_ORDER = ("mlp", "mlp_small_batch", "tabular", "predict_latency", "cold_start", "gemm",
          "gemm_small_batch")  # the rest (cnn, lstm, ...) follow alphabetically
# (training workload, its gemm lower bound): the table gets a "% of the bound" row
_BOUNDS = (("mlp", "gemm"), ("mlp_small_batch", "gemm_small_batch"))
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "NUMBA_NUM_THREADS", "BENCH_THREADS")
_VERSIONS = {"skdeep": ["skdeep", "numba", "numpy"], "torch": ["torch"],
             "sklearn": ["scikit-learn"], "keras": ["keras", "jax"],
             "skorch": ["skorch", "torch"]}


# ------------------------------------------------------------------------ discovery
def discover():
    """``{workload: module}`` for every benchmarks/*.py that defines WORKLOADS."""
    import benchmarks

    found, broken = {}, {}
    for info in pkgutil.iter_modules(benchmarks.__path__):
        if info.name in _NOT_WORKLOADS or info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"benchmarks.{info.name}")
        except Exception as exc:  # a broken workload file must not stop the others
            broken[info.name] = f"{type(exc).__name__}: {exc}"
            continue
        for workload in getattr(module, "WORKLOADS", {}):
            found[workload] = module
    rank = {w: i for i, w in enumerate(_ORDER)}
    found = dict(sorted(found.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))
    return found, broken


def frameworks_of(module):
    return [fw for fw in common.FRAMEWORKS if callable(getattr(module, f"run_{fw}", None))]


# ------------------------------------------------------------------------ child side
def run_child(module_name, workload, framework):
    """Run one cell in this process and print its JSON result after MARKER."""
    module = importlib.import_module(f"benchmarks.{module_name}")
    params = module.WORKLOADS[workload]
    fn = getattr(module, f"run_{framework}")
    try:
        figures = fn(workload, **params)
        result = {"status": "ok", "figures": figures}
    except common.Skip as exc:
        result = {"status": "skip", "reason": str(exc)}
    except Exception as exc:
        traceback.print_exc()
        result = {"status": "error", "reason": f"{type(exc).__name__}: {exc}"}
    sys.stdout.flush()
    print("\n" + MARKER + json.dumps(result), flush=True)


def run_cell(module_name, workload, framework, env, timeout):
    """One fresh process; returns its result dict (status ok/skip/error)."""
    cmd = [sys.executable, "-m", "benchmarks.run", "--child", module_name, workload, framework]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "error", "reason": f"timed out after {timeout} s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER):])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {"status": "error", "reason": f"exit {proc.returncode}: " + " | ".join(tail)}


# ------------------------------------------------------------------------ table
def fmt(value):
    if isinstance(value, str):
        return value
    v = float(value)
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    if abs(v) >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}" if abs(v) >= 0.01 else f"{v:.3g}"


def ratio(ours, theirs, better):
    """> 1 means skdeep is better."""
    if better is None or ours in (None, 0) or theirs in (None, 0):
        return None
    return ours / theirs if better == "higher" else theirs / ours


def median_figures(results):
    keys = []
    for r in results:
        keys += [k for k in r["figures"] if k not in keys]
    out = {}
    for k in keys:
        values = [r["figures"][k] for r in results if k in r["figures"]]
        if values and all(isinstance(v, (int, float)) for v in values):
            out[k] = statistics.median(values)
        elif values:
            out[k] = values[0]
    return out


def render(cells, order, modules, frameworks, header):
    """Markdown: one row per (workload, figure), one column per framework."""
    notes = {}  # (framework, text) -> workloads, so a note shared by workloads shows once
    shown = [fw for fw in frameworks if any(
        cells.get((wl, fw), {}).get("status") == "ok" for wl in order)]
    lines = header + ["", "| workload | figure | " + " | ".join(shown) + " |",
                      "|---|---|" + "---:|" * len(shown)]
    for wl in order:
        figures = getattr(modules[wl], "FIGURES", {})
        medians = {fw: cells[(wl, fw)]["median"] for fw in shown
                   if cells.get((wl, fw), {}).get("status") == "ok"}
        keys = [k for k in figures if any(k in m for m in medians.values())]
        keys += sorted({k for m in medians.values() for k in m if k not in figures
                        and k != "note"})
        for key in keys:
            label, better = figures.get(key, (key, None))
            row = []
            ours = medians.get("skdeep", {}).get(key)
            for fw in shown:
                value = medians.get(fw, {}).get(key)
                if value is None:
                    row.append("—")
                    continue
                text = fmt(value)
                r = ratio(ours, value, better) if fw != "skdeep" else None
                row.append(text + (f" (×{r:.2f})" if r is not None else ""))
            lines.append(f"| {wl} | {label} | " + " | ".join(row) + " |")
        lines += _bound_rows(wl, cells, shown)
        for fw in frameworks:
            cell = cells.get((wl, fw))
            if cell is None:
                continue
            if cell["status"] == "ok" and isinstance(cell["median"].get("note"), str):
                notes.setdefault((fw, cell["median"]["note"]), []).append(wl)
            elif cell["status"] != "ok":
                notes.setdefault((fw, f"{cell['status']} — {cell['reason']}"), []).append(wl)
    lines += ["", "Ratios in brackets are skdeep against that peer: > 1 means skdeep is "
              "better (more per second, or fewer seconds)."]
    if notes:
        lines += ["", "Notes:"] + [f"- {', '.join(wls)} / {fw}: {text}"
                                   for (fw, text), wls in notes.items()]
    return "\n".join(lines)


def _bound_rows(wl, cells, shown):
    """Share of the NumPy-BLAS lower bound reached by each framework on ``wl``."""
    rows = []
    for train, bound in _BOUNDS:
        ref = cells.get((bound, "skdeep"), {})
        if train != wl or ref.get("status") != "ok":
            continue
        limit = ref["median"].get("samples_per_s")
        row = []
        for fw in shown:
            cell = cells.get((wl, fw), {})
            rate = cell.get("median", {}).get("samples_per_s") if cell.get(
                "status") == "ok" else None
            row.append("—" if rate is None or not limit else f"{100 * rate / limit:.0f} %")
        rows.append(f"| {wl} | % of the BLAS lower bound ({bound}, NumPy) | "
                    + " | ".join(row) + " |")
    return rows


def versions(frameworks):
    from importlib import metadata

    out = []
    for dist in dict.fromkeys(d for fw in ("skdeep",) + tuple(frameworks)
                              for d in _VERSIONS.get(fw, [])):
        try:
            out.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            out.append(f"{dist} (not installed)")
    return ", ".join(out)


# ------------------------------------------------------------------------ main
def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workloads", default="", help="comma-separated (default: all)")
    p.add_argument("--frameworks", default="", help="comma-separated (default: all), "
                   f"among {', '.join(common.FRAMEWORKS)}")
    p.add_argument("--repeats", type=int, default=3, help="fresh processes per figure")
    p.add_argument("--threads", type=int, help="cap BLAS/OpenMP/Numba/torch threads in "
                   "every process (default: each library's own, i.e. all cores)")
    p.add_argument("--timeout", type=float, default=900, help="seconds per process")
    p.add_argument("--out", help="also write the table (with its header) to this file")
    p.add_argument("--json", help="also write every raw per-process result to this file")
    p.add_argument("--list", action="store_true", help="list workloads and frameworks")
    p.add_argument("--child", nargs=3, metavar=("MODULE", "WORKLOAD", "FRAMEWORK"),
                   help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.repeats < 1:
        p.error("--repeats must be >= 1")
    if args.threads is not None and args.threads < 1:
        p.error("--threads must be >= 1")
    return args


def _split(text):
    return [t.strip() for t in text.split(",") if t.strip()]


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        run_child(*args.child)
        return 0
    modules, broken = discover()
    for name, why in broken.items():
        print(f"warning: benchmarks/{name}.py not loaded: {why}", file=sys.stderr)
    if args.list:
        for wl, module in modules.items():
            print(f"{wl:18s} {module.__name__:28s} {', '.join(frameworks_of(module))}")
        return 0
    order = _split(args.workloads) or list(modules)
    unknown = [w for w in order if w not in modules]
    if unknown:
        sys.exit(f"unknown workload(s) {unknown}; known: {sorted(modules)}")
    frameworks = _split(args.frameworks) or list(common.FRAMEWORKS)
    bad = [f for f in frameworks if f not in common.FRAMEWORKS]
    if bad:
        sys.exit(f"unknown framework(s) {bad}; known: {list(common.FRAMEWORKS)}")

    cells = {(wl, fw): {"status": "pending", "runs": []} for wl in order
             for fw in frameworks_of(modules[wl]) if fw in frameworks}
    started = time.time()
    load_before = _load()
    with tempfile.TemporaryDirectory(prefix="skdeep-bench-") as data_dir:
        env = dict(os.environ, BENCH_DATA_DIR=data_dir,
                   PYTHONPATH=os.pathsep.join(filter(None, [ROOT,
                                                            os.environ.get("PYTHONPATH")])),
                   # bytecode is cached (in the run's temporary directory, not in the
                   # checkout) as for an installed package: with PYTHONDONTWRITEBYTECODE
                   # a source checkout recompiles every module in every process, which
                   # the start-up figures would count against skdeep alone (the peers'
                   # site-packages have their .pyc files)
                   PYTHONPYCACHEPREFIX=os.path.join(data_dir, "pycache"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if args.threads:
            env.update({var: str(args.threads) for var in _THREAD_VARS})
            if args.threads == 1:  # XLA's CPU client ignores OMP_NUM_THREADS
                env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") +
                                    " --xla_cpu_multi_thread_eigen=false"
                                    " intra_op_parallelism_threads=1").strip()
        for rnd in range(args.repeats):
            for (wl, fw), cell in cells.items():
                if cell["status"] in ("skip", "error"):
                    continue
                t0 = time.time()
                res = run_cell(modules[wl].__name__.split(".")[-1], wl, fw, env, args.timeout)
                print(f"[{rnd + 1}/{args.repeats}] {wl:16s} {fw:8s} {res['status']:5s} "
                      f"{time.time() - t0:6.1f}s {res.get('figures', res.get('reason', ''))}",
                      file=sys.stderr, flush=True)
                if res["status"] == "ok":
                    cell["runs"].append(res)
                    cell["status"] = "ok"
                else:
                    cell.update(status=res["status"], reason=res["reason"])
    for cell in cells.values():
        if cell["status"] == "ok":
            cell["median"] = median_figures(cell["runs"])

    command = "python -m benchmarks.run " + " ".join(shlex.quote(a) for a in (argv or
                                                                              sys.argv[1:]))
    header = ["# skdeep benchmark results",
              "",
              f"- date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')} "
              f"({time.time() - started:.0f} s for the whole run)",
              f"- machine: {common.machine_info()}; load average (1 min) {load_before} at "
              f"the start, {_load()} at the end (other processes share the cores: "
              "figures scale with it)",
              f"- versions: {versions(frameworks)}; Python {sys.version.split()[0]}",
              f"- command: `{command.strip()}` (median of {args.repeats} fresh processes "
              "per figure)",
              "- threads per process: " + (f"{args.threads} (--threads)" if args.threads else
                                            "each library's default (all cores)"),
              f"- engine: {_git_state()}"]
    table = render(cells, order, modules, frameworks, header)
    print(table)
    if args.out:
        _write_atomic(args.out, table + "\n")
    if args.json:
        _write_atomic(args.json, json.dumps({f"{wl}/{fw}": c for (wl, fw), c in cells.items()},
                                            indent=1))
    return 0


def _git_state():
    """The commit the run measured, flagged when skdeep/ had uncommitted edits."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "skdeep"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"skdeep at commit {head}" + (" plus uncommitted edits in skdeep/" if dirty else "")


def _load():
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "n/a"


def _write_atomic(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
