"""Build the HTML API reference of ofsted_nlp from its docstrings with pdoc, offline.

    python docs/build_api.py [OUTPUT_DIR]      (default site/; ``make docs`` runs it)

Every public module is named to pdoc: the package's ``__all__`` lists names, not submodules, so
pdoc would otherwise document only the top level. pdoc raises RuntimeError when a module cannot be
imported, so a broken module fails the build rather than leaving a page out.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ofsted_nlp"


def public_modules() -> list[str]:
    """Dotted names of the package's modules and subpackages whose path has no part starting with ``_``."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ("ofsted_nlp",) + path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if not any(part.startswith("_") for part in parts):
            names.append(".".join(parts))
    return names


def build(output: Path) -> list[Path]:
    """Write the reference (``index.html`` and one page a module) into ``output``; return the module pages.

    Raises RuntimeError when a module cannot be imported or its page was not written.
    """
    import pdoc

    modules = public_modules()
    pdoc.pdoc(*modules, output_directory=output)
    pages = [output / (name.replace(".", "/") + ".html") for name in modules]
    missing = [str(page) for page in pages if not page.is_file()]
    if missing:
        raise RuntimeError("pdoc wrote no page for: " + ", ".join(missing))
    return pages


def main(argv: list[str]) -> int:
    """Build into ``argv[0]`` (default ``site``) and print where the reference is."""
    output = Path(argv[0]) if argv else ROOT / "site"
    pages = build(output)
    print(f"API reference: {output / 'index.html'} ({len(pages)} modules)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # document this checkout, not another installed copy
    sys.exit(main(sys.argv[1:]))
