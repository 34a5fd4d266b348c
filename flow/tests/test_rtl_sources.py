"""Static checks of the RTL tree and of every unit's explicit source list (no tools needed):
one module per file, named as the file; each unit's list holds every module its top reaches and
nothing it does not; every file in rtl/ serves some unit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from models.paths import BUILD_DIR
from tb.common.sources import NNLUT_CORE, RTL_DIR, rtl_files
from tb.registry import UNITS

MODULE = re.compile(r"^\s*module\s+(\w+)", re.M)
PACKAGE = re.compile(r"^\s*package\s+(\w+)", re.M)
# `name #(` or `name u_inst (`: an instantiation (keywords never take either form).
INSTANCE = re.compile(r"^\s*(\w+)\s*(?:#\s*\(|\s+u_\w+\s*\()", re.M)
PACKAGE_USE = re.compile(r"\b(\w+_pkg)::")


def strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*", "", re.sub(r"/\*.*?\*/", "", text, flags=re.S))


def definitions(path: Path) -> list[str]:
    text = strip_comments(path.read_text())
    return MODULE.findall(text) + PACKAGE.findall(text)


def uses(path: Path) -> set[str]:
    text = strip_comments(path.read_text())
    return set(INSTANCE.findall(text)) | set(PACKAGE_USE.findall(text))


def test_one_module_per_file_named_as_the_file() -> None:
    for path in sorted(RTL_DIR.rglob("*.sv")):
        assert definitions(path) == [path.stem], f"{path.relative_to(RTL_DIR)} defines {definitions(path)}"


def unit_sources() -> dict[str, tuple[str, list[Path], list[Path]]]:
    """Per unit: its top, the sources of its default configuration, and every RTL file its
    class names (a configuration may leave out a module only a generate branch it does not
    take instantiates, as the Softmax unit does the serial 1/x core)."""
    out = {}
    for spec in UNITS.values():
        target = spec.target()
        sources, _ = target.prepare(BUILD_DIR / "lint" / target.tag)
        out[spec.name] = (target.toplevel, sources, rtl_files(*target.rtl_sources))
    return out


@pytest.mark.parametrize("unit", list(UNITS))
def test_source_list_is_exactly_what_the_top_reaches(unit: str) -> None:
    top, sources, named = unit_sources()[unit]
    defined = {name: path for path in sources for name in definitions(path)}
    optional = {name for path in named if path not in sources for name in definitions(path)}
    missing = {f"{name} (used in {path.name})" for path in sources for name in uses(path)
               if name not in defined and name not in optional}
    assert not missing, f"{unit}: source list lacks {sorted(missing)}"
    # Everything reachable from the top; Softmax names both exp packages (only one elaborates).
    reached, todo = set(), [top]
    while todo:
        name = todo.pop()
        if name in reached:
            continue
        reached.add(name)
        todo += sorted(u for u in uses(defined[name]) if u in defined)
    unused = sorted(set(defined) - reached)
    assert not unused, f"{unit}: source list holds {unused}, which {top} never uses"


def test_every_rtl_file_serves_a_unit() -> None:
    used = {p.resolve() for _, sources, named in unit_sources().values() for p in [*sources, *named]}
    used |= {p.resolve() for p in rtl_files(NNLUT_CORE)}
    orphans = [str(p.relative_to(RTL_DIR)) for p in sorted(RTL_DIR.rglob("*.sv")) if p.resolve() not in used]
    assert not orphans, f"RTL files no unit builds: {orphans}"
