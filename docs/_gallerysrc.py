"""Copy ``examples/`` into a sphinx-gallery source tree.

sphinx-gallery wants a reST title at the top of each script's docstring and a
README.txt in every folder; the examples are plain scripts (their docstring
starts with a one-line summary), so the copy adds both and leaves
``examples/`` as users run it.
"""
import ast
import shutil
from pathlib import Path


def _titled(source, fallback):
    tree = ast.parse(source)
    doc = ast.get_docstring(tree, clean=True) or ""
    if tree.body and isinstance(tree.body[0], ast.Expr) and doc:
        body_start = tree.body[0].end_lineno
        lines = doc.splitlines()
        title = lines[0].strip().rstrip(".") or fallback
        rest = "\n".join(lines[1:]).strip()
        code = "\n".join(source.splitlines()[body_start:])
    else:
        title, rest, code = fallback, "", source
    # the scripts' prose is plain text, not reST: show it verbatim
    rest = rest.replace('"' * 3, "'" * 3)
    body = ("::\n\n" + "\n".join("    " + line for line in rest.splitlines())) if rest else ""
    header = f'r"""\n{title}\n{"=" * len(title)}\n\n{body}\n"""\n'
    return header + code + "\n"


def prepare_gallery_sources(src, dst):
    src, dst = Path(src), Path(dst)
    if dst.exists():
        shutil.rmtree(dst)
    dirs = [src] + sorted(p for p in src.rglob("*") if p.is_dir()
                          and not any(part.startswith(("_", ".")) for part in
                                      p.relative_to(src).parts))
    for d in dirs:
        scripts = sorted(p for p in d.glob("*.py") if not p.name.startswith("_"))
        if not scripts:
            continue
        out = dst / d.relative_to(src)
        out.mkdir(parents=True, exist_ok=True)
        name = "Examples" if d == src else d.name.replace("_", " ").capitalize()
        intro = ("Runnable scripts from the repository's ``examples/`` folder, one task each."
                 if d == src else f"Scripts from ``examples/{d.relative_to(src)}``.")
        (out / "README.txt").write_text(f"{name}\n{'=' * len(name)}\n\n{intro}\n")
        for script in scripts:
            fallback = script.stem.replace("_", " ").capitalize()
            (out / script.name).write_text(_titled(script.read_text(), fallback))
