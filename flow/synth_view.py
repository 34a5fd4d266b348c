"""What synthesis reads of a SystemVerilog file, as text: the key of the cost cache.

The cost of a configuration is cached under a digest of its sources, so that nothing is
synthesized twice. Hashing the raw files would throw every measurement away whenever a comment
or an assertion changes, although Yosys sees neither: comments, code under `ifndef SYNTHESIS`
or `ifdef VERILATOR`, and the project's `ASSERT*` macros (assert.svh defines them empty when
SYNTHESIS is set) are removed here, and whitespace is collapsed. Everything else, including any
other conditional text, stays in the key, so a change that could reach the netlist always
invalidates it.

The project's own header macros (the port groups of port_groups.svh, say) are expanded here as
the preprocessor would, and the `include that brought them in is dropped: a port list written
through a macro has the same view as the same ports written out, so moving declarations into a
shared header keeps the measurements, and editing a macro changes the view of every file that
uses it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# Conditionals whose text synthesis never reads, by (directive, macro).
_DEAD_WHEN_SYNTHESIZING = {("ifndef", "SYNTHESIS"), ("ifdef", "VERILATOR")}
_DIRECTIVE = re.compile(r"`(?:(ifdef|ifndef|elsif)[ \t]+(\w+)|(else|endif)\b)")
_ASSERT_MACRO = re.compile(r"`ASSERT\w*\s*\(")
_ASSERT_INCLUDE = re.compile(r'`include\s+"assert\.svh"')
_INCLUDE = re.compile(r'`include\s+"(\w+\.svh)"')
_DEFINE = re.compile(r"`define[ \t]+(\w+)(\([^)]*\))?[ \t]*(.*)", re.S)
_MACRO_USE = re.compile(r"`(\w+)")


class SynthViewError(ValueError):
    """The file's conditionals or assertion macros do not balance."""


def strip_comments(text: str) -> str:
    """The text without // and /* */ comments; string literals are kept as they are."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise SynthViewError("unterminated /* comment")
            out.append(" ")
            i = j + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def strip_dead_conditionals(text: str) -> str:
    """Drop the branches of `ifndef SYNTHESIS / `ifdef VERILATOR that synthesis skips (their
    `else branch is kept); other conditionals are kept verbatim, directives included."""
    out: list[str] = []
    # One entry per open conditional: (handled here, its current branch is dead).
    stack: list[tuple[bool, bool]] = []
    pos = 0
    for m in _DIRECTIVE.finditer(text):
        live = not any(dead for _, dead in stack)
        if live:
            out.append(text[pos:m.start()])
        pos = m.end()
        kind, name = m.group(1) or m.group(3), m.group(2) or ""
        if kind in ("ifdef", "ifndef"):
            handled = (kind, name) in _DEAD_WHEN_SYNTHESIZING
            stack.append((handled, handled))
            if not handled and live:
                out.append(m.group(0))
            continue
        if not stack:
            raise SynthViewError(f"`{kind} without a matching `ifdef/`ifndef")
        handled, dead = stack[-1]
        if kind == "endif":
            stack.pop()
        elif not handled:
            pass
        elif kind == "else":
            stack[-1] = (True, not dead)
        else:
            raise SynthViewError("`elsif after `ifndef SYNTHESIS or `ifdef VERILATOR is not supported")
        if not handled and live:
            out.append(m.group(0))
    if stack:
        raise SynthViewError("unterminated `ifdef/`ifndef")
    out.append(text[pos:])
    return "".join(out)


def strip_assert_macros(text: str) -> str:
    """Drop every `ASSERT...( ... ) invocation, parentheses balanced."""
    out: list[str] = []
    pos = 0
    while (m := _ASSERT_MACRO.search(text, pos)) is not None:
        out.append(text[pos:m.start()])
        _, pos = _arguments(text, m.end() - 1, m.group(0).rstrip("( \t\n")[1:])
    out.append(text[pos:])
    return "".join(out)


@dataclass(frozen=True)
class Macro:
    params: tuple[str, ...] | None    # None: an object-like macro, used without parentheses
    body: str


def header_macros(text: str, source: str = "header") -> dict[str, Macro]:
    """The `define's of a header (comments and its include guard aside), by name."""
    macros: dict[str, Macro] = {}
    # A backslash at the end of a line continues the definition on the next.
    logical = strip_comments(text).replace("\\\n", " ").splitlines()
    for line in logical:
        m = _DEFINE.match(line.strip())
        if m is None:
            continue
        name, params, body = m.groups()
        names = None if params is None else tuple(p.strip() for p in params[1:-1].split(",") if p.strip())
        if names is not None and any(not re.fullmatch(r"\w+", p) for p in names):
            raise SynthViewError(f"{source}: `define {name} has a parameter list this view cannot read: {params}")
        macros[name] = Macro(names, body.strip())
    return macros


@lru_cache(maxsize=64)
def _header_macros_of(path: Path, mtime_ns: int) -> dict[str, Macro]:
    """A header's macros, read once per version of the file (the cost cache digests every
    source of every configuration, and most of them include the same headers)."""
    return header_macros(path.read_text(), str(path))


def _arguments(text: str, start: int, name: str) -> tuple[list[str], int]:
    """The comma-separated actual arguments from the "(" at `start`, brackets balanced, and
    where they end."""
    args: list[str] = []
    depth, i, begin = 0, start, start + 1
    while i < len(text):
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                args.append(text[begin:i].strip())
                return args, i + 1
        elif c == "," and depth == 1:
            args.append(text[begin:i].strip())
            begin = i + 1
        i += 1
    raise SynthViewError(f"unbalanced parentheses in `{name}(")


def expand_macros(text: str, macros: dict[str, Macro], depth: int = 0) -> str:
    """Every use of one of `macros` replaced by its body, arguments substituted and `` pasted;
    other macros (and directives) are left as they are."""
    if depth > 16:
        raise SynthViewError("project macros nest more than 16 deep (a macro that uses itself?)")
    out: list[str] = []
    pos = 0
    for m in _MACRO_USE.finditer(text):
        if m.start() < pos or m.group(1) not in macros:
            continue
        macro = macros[m.group(1)]
        out.append(text[pos:m.start()])
        body, pos = macro.body, m.end()
        if macro.params is not None:
            rest = text[pos:]
            if not rest.lstrip().startswith("("):
                raise SynthViewError(f"`{m.group(1)} is used without its arguments")
            args, end = _arguments(text, pos + len(rest) - len(rest.lstrip()), m.group(1))
            if args == [""] and not macro.params:
                args = []
            if len(args) != len(macro.params):
                raise SynthViewError(f"`{m.group(1)} takes {len(macro.params)} argument(s), "
                                     f"got {len(args)}: {', '.join(args)}")
            if macro.params:
                actual = dict(zip(macro.params, args))
                body = re.sub(r"\b(" + "|".join(map(re.escape, macro.params)) + r")\b",
                              lambda p: actual[p.group(1)], body)
            pos = end
        out.append(expand_macros(body.replace("``", ""), macros, depth + 1))
    out.append(text[pos:])
    return "".join(out)


@lru_cache(maxsize=256)
def _stripped(text: str) -> str:
    """Comments, dead conditionals and assertion macros removed (a pure function of the text,
    remembered: the cost cache's keys read the same few dozen files for every configuration)."""
    return strip_assert_macros(strip_dead_conditionals(strip_comments(text)))


def synthesis_view(text: str, include_dirs: Sequence[Path] = ()) -> str:
    """The text of one source file as far as synthesis can tell (see the module docstring);
    the project headers it includes are looked up in `include_dirs`."""
    view = _ASSERT_INCLUDE.sub(" ", _stripped(text))
    macros: dict[str, Macro] = {}
    for name in _INCLUDE.findall(view):
        found = [d / name for d in include_dirs if (d / name).is_file()]
        if not found:
            raise SynthViewError(f'`include "{name}" is in none of the include folders '
                                 f"({', '.join(str(d) for d in include_dirs) or 'none given'})")
        macros.update(_header_macros_of(found[0], found[0].stat().st_mtime_ns))
    if macros:
        view = expand_macros(_INCLUDE.sub(" ", view), macros)
    return " ".join(view.split())


__all__ = ["SynthViewError", "Macro", "strip_comments", "strip_dead_conditionals", "strip_assert_macros",
           "header_macros", "expand_macros", "synthesis_view"]
