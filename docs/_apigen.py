"""Write the API reference pages from the public modules' ``__all__``.

Each object gets one page, under the first module (in the order below) that
exports it; later modules list it in a table that links to that page.
Submodules named in ``__all__`` are skipped (they have their own page).
"""
import importlib
import inspect
from pathlib import Path

MODULES = [
    ("skdeep", "Estimators"),
    ("skdeep.nn", "skdeep.nn: models and the Keras-style namespace"),
    ("skdeep.nn.models", None), ("skdeep.nn.layers", None), ("skdeep.nn.activations", None),
    ("skdeep.nn.initializers", None), ("skdeep.nn.regularizers", None),
    ("skdeep.nn.constraints", None), ("skdeep.nn.optimizers", None),
    ("skdeep.nn.optimizers.schedules", None), ("skdeep.nn.losses", None),
    ("skdeep.nn.metrics", None), ("skdeep.nn.callbacks", None), ("skdeep.nn.saving", None),
    ("skdeep.nn.utils", None), ("skdeep.nn.ops", None), ("skdeep.nn.random", None),
    ("skdeep.nn.applications", None), ("skdeep.nn.preprocessing", None),
    ("skdeep.nn.preprocessing.image", None), ("skdeep.nn.preprocessing.sequence", None),
    ("skdeep.nn.datasets", None), ("skdeep.nn.backend", None), ("skdeep.nn.config", None),
    ("skdeep.text", None), ("skdeep.onnx", None),
]


def _public_names(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n, v in vars(module).items() if not n.startswith("_")
                 and getattr(v, "__module__", "").startswith(module.__name__)]
    out = []
    for name in names:
        try:
            obj = getattr(module, name)
        except AttributeError:
            continue
        if inspect.ismodule(obj):
            continue
        if inspect.isclass(obj) or callable(obj):
            out.append((name, obj))
    return out


def _is_model(obj):
    from skdeep.nn import Model

    return inspect.isclass(obj) and issubclass(obj, Model)


def write_api_pages(out_dir):
    out_dir = Path(out_dir)
    out_dir.mkdir(exist_ok=True)
    for old in out_dir.glob("*.rst"):
        old.unlink()
    home = {}  # id(obj) -> documented full name
    pages = []
    for modname, title in MODULES:
        try:
            module = importlib.import_module(modname)
        except ImportError:
            continue  # a namespace another stream has not landed yet
        names = _public_names(module)
        if not names:
            continue
        new, seen, aliases = [], [], []
        for name, obj in names:
            if id(obj) not in home:
                home[id(obj)] = f"{modname}.{name}"
                new.append(name)
            elif home[id(obj)].rsplit(".", 1)[0] == modname:
                aliases.append((name, home[id(obj)].rsplit(".", 1)[1]))
            else:
                seen.append(home[id(obj)])
        heading = f"``{modname}``" if title is None else f"{title} (``{modname}``)"
        lines = [heading, "=" * len(heading), "", f".. automodule:: {modname}",
                 "   :no-members:", "   :no-index:", "", f".. currentmodule:: {modname}", ""]
        # models also show what they inherit from the Trainer (compile, fit, ...)
        models = [n for n in new if _is_model(getattr(module, n))]
        plain = [n for n in new if n not in models]
        for group, template in ((plain, None), (models, "autosummary/model_class.rst")):
            if not group:
                continue
            lines += [".. autosummary::", "   :toctree: generated", "   :nosignatures:"]
            lines += [f"   :template: {template}"] if template else []
            lines.append("")
            lines += [f"   {n}" for n in sorted(group, key=str.lower)]
            lines.append("")
        if aliases:
            lines += ["Aliases: " + "; ".join(f"``{a}`` is :obj:`{b}`" for a, b in
                                             sorted(aliases, key=lambda p: p[0].lower())) + ".",
                      ""]
        if seen:
            lines += ["Also available here, documented under their first module:", "",
                      ".. autosummary::", "   :nosignatures:", ""]
            lines += [f"   ~{full}" for full in sorted(set(seen), key=str.lower)]
            lines.append("")
        fname = modname.replace(".", "_")
        (out_dir / f"{fname}.rst").write_text("\n".join(lines))
        pages.append(fname)
    # stubs of names that are no longer public would be orphan pages
    stubs = out_dir / "generated"
    if stubs.is_dir():
        for stub in stubs.glob("*.rst"):
            if stub.stem not in home.values():
                stub.unlink()
    index = ["API reference", "=============", "",
             "Generated from each module's ``__all__``: every public name, with its "
             "docstring.", "", ".. toctree::", "   :maxdepth: 1", ""]
    index += [f"   {p}" for p in pages]
    (out_dir / "index.rst").write_text("\n".join(index) + "\n")
    return pages
