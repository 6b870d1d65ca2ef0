"""Every public module, class, function and method of ofsted_nlp has a docstring, and every public
function and method is fully annotated.

Read from the source with `ast`, so no optional dependency (torch, Spark, MLflow) is imported. Public
means: in a module whose path has no part starting with `_` (the package's `__init__` counts), a name
not starting with `_`, defined at module level or in a public class's body.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "ofsted_nlp"

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def _public_modules() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if all(part == "__init__" or not part.startswith("_") for part in parts):
            yield path


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements of a module body, looking inside module-level if/try blocks (optional imports)."""
    for node in body:
        if isinstance(node, ast.If):
            yield from _module_level(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            yield from _module_level(node.body + node.orelse + node.finalbody
                                     + [stmt for handler in node.handlers for stmt in handler.body])
        else:
            yield node


def _is_overload(node: FunctionNode) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "overload"
               or isinstance(d, ast.Attribute) and d.attr == "overload" for d in node.decorator_list)


def _public_definitions() -> Iterator[tuple[str, ast.AST]]:
    """(qualified name, node) of each public module, class, function and method."""
    for path in _public_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        module = ".".join(("ofsted_nlp",) + path.relative_to(PACKAGE).with_suffix("").parts)
        module = module.removesuffix(".__init__")
        yield module, tree
        for node in _module_level(tree.body):
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) \
                    and not node.name.startswith("_"):
                yield f"{module}.{node.name}", node
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                for member in node.body:
                    if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef) \
                            and not member.name.startswith("_"):
                        yield f"{module}.{node.name}.{member.name}", member


def _undocumented() -> list[str]:
    return [name for name, node in _public_definitions()
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and not (isinstance(node, FunctionNode) and _is_overload(node))
            and not ast.get_docstring(node)]


def _missing_annotations(node: FunctionNode) -> list[str]:
    args = node.args
    positional = args.posonlyargs + args.args
    # self / cls of a method carry no annotation by convention.
    if positional and positional[0].arg in ("self", "cls"):
        positional = positional[1:]
    every = positional + args.kwonlyargs + [a for a in (args.vararg, args.kwarg) if a is not None]
    missing = [a.arg for a in every if a.annotation is None]
    if node.returns is None:
        missing.append("return")
    return missing


def _unannotated() -> list[str]:
    return [f"{name} ({', '.join(missing)})" for name, node in _public_definitions()
            if isinstance(node, FunctionNode) and (missing := _missing_annotations(node))]


def test_every_public_definition_has_a_docstring():
    missing = _undocumented()
    assert not missing, f"{len(missing)} public definitions without a docstring:\n" + "\n".join(missing)


def test_every_public_function_is_fully_annotated():
    missing = _unannotated()
    assert not missing, f"{len(missing)} public functions not fully annotated:\n" + "\n".join(missing)


def test_the_checker_sees_the_package():
    names = [name for name, _ in _public_definitions()]
    assert "ofsted_nlp.api.classify" in names
    assert "ofsted_nlp.models.finding.FindingClassifier.fit" in names
    assert not any(part.startswith("_") and part != "__init__"
                   for name in names for part in name.split(".")[1:])
