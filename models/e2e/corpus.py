"""Evaluation corpora: a built-in one nobody in the project wrote, and sentences from a file.

The built-in corpus is the first sentence of the docstring of every module in Python's
standard library, gathered at run time. Pure-Python modules are read with `ast` and never
imported, so gathering has no side effects (importing `antigravity` opens a browser, `this`
prints); only built-in and extension modules, which have no source to parse, are imported.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.machinery
import importlib.util
import inspect
import re
import sys
import tokenize
import warnings
from collections.abc import Sequence
from pathlib import Path

# Sentences shorter than this carry too little text to embed meaningfully ("Constants.");
# longer ones are rare in docstrings' first sentences and are cut by the tokenizer anyway.
MIN_WORDS = 4
MAX_CHARS = 300
DEFAULT_SIZE = 300
DEFAULT_CALIBRATION_SIZE = 64

# Tests and demos describe test cases, not the library; the codecs under `encodings` are
# generated, and their near-identical sentences ("Python Character Mapping Codec cp855
# generated from ...") would turn nearest-neighbour agreement into a coin toss between twins.
_SKIPPED_PACKAGES = ("test", "idlelib", "turtledemo", "lib2to3", "tkinter", "ensurepip", "encodings")

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'`])")


class CorpusError(ValueError):
    """A corpus that cannot be used; the message says why and where."""


def first_sentence(doc: str) -> str | None:
    """First sentence of a docstring's first paragraph, whitespace collapsed."""
    paragraph = doc.strip().split("\n\n", 1)[0]
    text = " ".join(paragraph.split())
    if not text:
        return None
    return _SENTENCE_END.split(text, 1)[0]


@functools.lru_cache(maxsize=None)
def _parse(path: Path) -> ast.Module | None:
    """A source file's syntax tree (cached: both corpora walk the same files)."""
    try:
        return ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None


@functools.lru_cache(maxsize=None)
def _module_docstring(path: Path) -> str | None:
    """The module docstring of a source file, read from its first tokens only: a full parse
    of every stdlib file costs seconds, the docstring is always the first statement."""
    try:
        with tokenize.open(path) as handle:
            for token in tokenize.generate_tokens(handle.readline):
                if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENCODING):
                    continue
                if token.type != tokenize.STRING:
                    return None
                value = ast.literal_eval(token.string)
                return inspect.cleandoc(value) if isinstance(value, str) else None
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError, tokenize.TokenError):
        return None
    return None


def _docstring(name: str) -> str | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError, AttributeError):
        return None
    if spec is None:
        return None
    origin = spec.origin or ""
    if origin.endswith(".py"):
        return _module_docstring(Path(origin))
    if origin == "built-in" or isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module that cannot load on this machine just adds nothing
            return None
        doc = getattr(module, "__doc__", None)
        return doc if isinstance(doc, str) else None
    return None


@functools.lru_cache(maxsize=1)
def _module_names() -> tuple[str, ...]:
    """Public stdlib module names, with the submodules of pure-Python packages, sorted."""
    names: set[str] = set()
    for top in sorted(sys.stdlib_module_names):
        if top.startswith("_") or top in _SKIPPED_PACKAGES:
            continue
        names.add(top)
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            continue
        if spec is None or not spec.submodule_search_locations:
            continue
        for location in spec.submodule_search_locations:
            root = Path(location)
            for path in root.rglob("*.py"):
                parts = path.relative_to(root).with_suffix("").parts
                if parts[-1] == "__init__":
                    parts = parts[:-1]
                if not parts or any(p.startswith("_") or p in _SKIPPED_PACKAGES for p in parts):
                    continue
                names.add(".".join((top, *parts)))
    return tuple(sorted(names))


def _source_docstring(name: str) -> str | None:
    # Submodules are located by path rather than find_spec, which would import the parent.
    top, _, rest = name.partition(".")
    if not rest:
        return _docstring(name)
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        base = Path(location).joinpath(*rest.split("."))
        for path in (base.with_suffix(".py"), base / "__init__.py"):
            if path.is_file():
                return _module_docstring(path)
    return None


def stdlib_corpus(size: int = DEFAULT_SIZE) -> list[str]:
    """Up to `size` distinct first sentences of stdlib module docstrings, in module-name order.

    Deterministic for a given Python installation. When more sentences qualify than asked
    for, an evenly spaced selection over the sorted module names is kept so every part of
    the library is represented rather than only the modules early in the alphabet.
    """
    if size < 2:
        raise CorpusError(f"a corpus needs at least 2 sentences for retrieval, asked for {size}")
    seen: set[str] = set()
    sentences: list[str] = []
    for name in _module_names():
        doc = _source_docstring(name)
        if not doc:
            continue
        sentence = first_sentence(doc)
        if sentence is None or len(sentence.split()) < MIN_WORDS or len(sentence) > MAX_CHARS:
            continue
        key = sentence.casefold()
        if key in seen:
            continue
        seen.add(key)
        sentences.append(sentence)
    if len(sentences) < 2:
        raise CorpusError("the standard library yielded fewer than 2 usable docstring sentences")
    return _spread(sentences, size)


def _definition_docstrings(name: str) -> list[str]:
    """Docstrings of the top-level functions and classes of a pure-Python stdlib module."""
    top, _, rest = name.partition(".")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return []
    if spec is None:
        return []
    if not rest:
        paths = [Path(spec.origin)] if spec.origin and spec.origin.endswith(".py") else []
    else:
        paths = []
        for location in spec.submodule_search_locations or []:
            base = Path(location).joinpath(*rest.split("."))
            paths += [p for p in (base.with_suffix(".py"), base / "__init__.py") if p.is_file()]
    docs: list[str] = []
    for path in paths[:1]:
        tree = _parse(path)
        if tree is None:
            return []
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                doc = ast.get_docstring(node)
                if doc:
                    docs.append(doc)
    return docs


def _spread(items: list[str], size: int) -> list[str]:
    """An evenly spaced selection of `size` items, order kept (all of them if fewer)."""
    if len(items) <= size:
        return items
    picks = sorted({round(i * (len(items) - 1) / (size - 1)) for i in range(size)})
    return [items[i] for i in picks]


def calibration_corpus(size: int = DEFAULT_CALIBRATION_SIZE, exclude: Sequence[str] = ()) -> list[str]:
    """Sentences for calibration, disjoint from the evaluation corpus: the first sentences of
    the docstrings of the stdlib's top-level functions and classes (modules' own docstrings
    are the evaluation corpus), minus any sentence in `exclude`. Deterministic."""
    if size < 1:
        raise CorpusError(f"a calibration corpus needs at least 1 sentence, asked for {size}")
    seen = {s.casefold() for s in exclude} | {s.casefold() for s in stdlib_corpus(10 ** 6)}
    sentences: list[str] = []
    # Parsing whole files is the cost, so modules are visited in a spread-out order (every
    # 8th name, then the next offset, ...) until there are a few times more sentences than
    # asked for; the selection then still covers the whole library.
    names = _module_names()
    stride = 8
    order = [names[i] for offset in range(stride) for i in range(offset, len(names), stride)]
    for name in order:
        if len(sentences) >= 4 * size:
            break
        for doc in _definition_docstrings(name):
            sentence = first_sentence(doc)
            if sentence is None or len(sentence.split()) < MIN_WORDS or len(sentence) > MAX_CHARS:
                continue
            if sentence.casefold() in seen:
                continue
            seen.add(sentence.casefold())
            sentences.append(sentence)
    sentences.sort(key=str.casefold)
    if not sentences:
        raise CorpusError("the standard library yielded no calibration sentences")
    return _spread(sentences, size)


def read_sentences(path: Path) -> list[str]:
    """One sentence per line; blank lines ignored. CorpusError for anything unusable."""
    path = Path(path)
    if not path.exists():
        raise CorpusError(f"sentence file {path} does not exist")
    if not path.is_file():
        raise CorpusError(f"sentence file {path} is not a regular file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise CorpusError(f"sentence file {path} is not UTF-8 text: {err}") from None
    except OSError as err:
        raise CorpusError(f"cannot read sentence file {path}: {err.strerror}") from None
    if "\x00" in text:
        raise CorpusError(f"sentence file {path} looks binary (contains NUL bytes)")
    sentences = [line.strip() for line in text.splitlines() if line.strip()]
    if len(sentences) < 2:
        raise CorpusError(f"sentence file {path} has {len(sentences)} non-blank line(s); "
                          "retrieval needs at least 2 sentences")
    return sentences
