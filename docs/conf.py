"""Sphinx configuration of the skdeep documentation (``pip install ".[docs]"``).

Build: ``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
The API reference pages are generated here from each public module's
``__all__``, so names other modules add appear without editing the docs; the
gallery is generated from ``examples/`` (rendered, not executed, unless
``SKDEEP_DOCS_RUN_EXAMPLES=1``).
"""
import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS))

import skdeep  # noqa: E402
from _apigen import write_api_pages  # noqa: E402
from _gallerysrc import prepare_gallery_sources  # noqa: E402

project = "skdeep"
author = "the skdeep developers"
copyright = "2026, the skdeep developers"  # noqa: A001
release = skdeep.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_gallery_src", "auto_examples/*.ipynb", "**/*.zip",
                    "README.md"]
templates_path = ["_templates"]
html_theme = "alabaster"
html_static_path = []
html_title = f"skdeep {release}"

# --- API reference: pages generated from __all__ --------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()
numpydoc_xref_param_type = False
write_api_pages(DOCS / "api")

# --- Markdown pages (docs/*.md from every stream) ----------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]  # pages included from elsewhere start at ## too

# --- Gallery from examples/ ------------------------------------------------------
prepare_gallery_sources(ROOT / "examples", DOCS / "_gallery_src")
sphinx_gallery_conf = {
    # relative to this folder: sphinx-gallery names the subsections' pages from them
    "examples_dirs": "_gallery_src",
    "gallery_dirs": "auto_examples",
    "plot_gallery": os.environ.get("SKDEEP_DOCS_RUN_EXAMPLES", "0") == "1",
    "filename_pattern": r"quickstart\.py$",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "show_signature": False,
}
