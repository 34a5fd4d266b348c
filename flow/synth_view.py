"""What synthesis reads of a SystemVerilog file, as text: the key of the cost cache.

The cost of a configuration is cached under a digest of its sources, so that nothing is
synthesized twice. Hashing the raw files would throw every measurement away whenever a comment
or an assertion changes, although Yosys sees neither: comments, code under `ifndef SYNTHESIS`
or `ifdef VERILATOR`, and the project's `ASSERT*` macros (assert.svh defines them empty when
SYNTHESIS is set) are removed here, and whitespace is collapsed. Everything else, including any
other conditional text, stays in the key, so a change that could reach the netlist always
invalidates it.
"""

from __future__ import annotations

import re

# Conditionals whose text synthesis never reads, by (directive, macro).
_DEAD_WHEN_SYNTHESIZING = {("ifndef", "SYNTHESIS"), ("ifdef", "VERILATOR")}
_DIRECTIVE = re.compile(r"`(?:(ifdef|ifndef|elsif)[ \t]+(\w+)|(else|endif)\b)")
_ASSERT_MACRO = re.compile(r"`ASSERT\w*\s*\(")
_ASSERT_INCLUDE = re.compile(r'`include\s+"assert\.svh"')


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
        depth, i = 1, m.end()
        while depth and i < len(text):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        if depth:
            raise SynthViewError(f"unbalanced parentheses in `{m.group(0)}")
        pos = i
    out.append(text[pos:])
    return "".join(out)


def synthesis_view(text: str) -> str:
    """The text of one source file as far as synthesis can tell (see the module docstring)."""
    view = strip_assert_macros(strip_dead_conditionals(strip_comments(text)))
    view = _ASSERT_INCLUDE.sub(" ", view)
    return " ".join(view.split())


__all__ = ["SynthViewError", "strip_comments", "strip_dead_conditionals", "strip_assert_macros",
           "synthesis_view"]
