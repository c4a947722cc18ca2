"""Python method code (`method.code`, issue 20): validation, the AST check, and the restricted
namespace the source runs in.

    {"language": "python", "source": "<module text>", "hooks": ["weights", ...]}

The source is a module that defines hooks as top-level functions (HOOKS). Before anything trains
it is checked: size, syntax, hook names and arities (exit 2, InvalidInput, naming
method.code.<field>), then the AST check (exit 3, MethodError: it is the method's code that is
refused): imports only from ALLOWED_MODULES; no eval/exec/compile/open/globals/locals/vars/
__import__; no attribute that starts with `_` (dunders such as `().__class__.__subclasses__()`
and private internals such as `torch._C`), nor names in DENIED_ATTRS (torch's and numpy's
native file readers, frames, modules such as os and sys). At run time the source sees only
SAFE_BUILTINS, an __import__ that hands out read-only views of allowed modules (a view refuses
the same attribute names and any module not allowed, so `torch.os` or `statistics.sys` lead
nowhere), and getattr/setattr/delattr/hasattr that refuse the same names. guard.py is the layer
under this one (audit hook, environment, limits).
"""

from __future__ import annotations

import ast
import builtins
import json
import types
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from .errors import InvalidInput
from .guard import METHOD_FILENAME, GuardRefusal, MethodTimeout, NO_ACCESS, is_out_of_memory

MAX_SOURCE = 20_000
MAX_TEXT = 20_000
# Hook name -> number of positional arguments the trainer passes.
HOOKS = {"format_text": 1, "pool": 2, "transform_labels": 1, "weights": 1, "epoch_targets": 4, "loss": 1}
HOOK_SIGNATURES = {
    "format_text": "format_text(text)", "pool": "pool(hidden, mask)", "transform_labels": "transform_labels(ctx)",
    "weights": "weights(ctx)", "epoch_targets": "epoch_targets(ctx, student, epoch, epochs)", "loss": "loss(batch)",
}
ALLOWED_MODULES = {
    "math", "random", "statistics", "collections", "collections.abc", "itertools", "functools", "heapq", "bisect", "re", "string",
    "torch", "torch.nn", "torch.nn.functional", "torch.nn.init", "torch.linalg", "torch.special", "torch.fft", "torch.distributions",
    "numpy", "numpy.linalg", "numpy.random",
}
DENIED_NAMES = {"__import__", "eval", "exec", "compile", "open", "globals", "locals", "vars", "breakpoint", "input", "help",
                "exit", "quit", "memoryview"}
# Attribute names refused wherever they appear (besides every name starting with "_" but __init__).
# Native file access in torch and numpy (invisible to the audit hook), and what loads native code.
FILE_ATTRS = {"from_file", "fromfile", "tofile", "load", "loads", "save", "savez", "memmap", "dump", "dumps"}
NATIVE_ATTRS = {"load_library", "ctypeslib", "hub", "distributed", "multiprocessing", "cpp_extension", "tensorboard", "package",
                "jit", "ops", "library", "compile"}
# Frames and code: the way from a function to its callers' globals.
FRAME_ATTRS = {"f_back", "f_globals", "f_locals", "f_builtins", "f_code", "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame",
               "ag_code", "tb_frame", "tb_next", "with_traceback"}
# Modules that are attributes of allowed ones (torch.os, statistics.sys), and what they reach.
MODULE_ATTRS = {"os", "sys", "builtins", "subprocess", "socket", "ctypes", "importlib", "shutil", "pathlib", "io", "signal", "threading",
                "gc", "inspect", "types", "marshal", "pickle", "mmap", "resource", "posix", "environ", "getenv", "system", "popen"}
DENIED_ATTRS = FILE_ATTRS | NATIVE_ATTRS | FRAME_ATTRS | MODULE_ATTRS | {
    # string.Formatter().get_field walks attributes like getattr does
    "Formatter", "get_field",
}
# str.format walks attributes inside its format string ("{0.__class__}"): f-strings do not.
FORMAT_ATTRS = {"format", "format_map"}
ALLOWED_DUNDERS = {"__init__"}


class MethodError(Exception):
    """Method code failed: exit 3 with `AAR_METHOD_ERROR {"message", "hook", "line"}` last on stderr."""

    def __init__(self, message: str, hook: Optional[str] = None, line: Optional[int] = None):
        super().__init__(message)
        self.message, self.hook, self.line = message, hook, line


@dataclass
class MethodCode:
    source: str
    hooks: List[str]
    tree: Any = field(repr=False, default=None)

    def uses(self, hook: str) -> bool:
        return hook in self.hooks


def validate_code(value: Any) -> MethodCode:
    """method.code -> MethodCode, or InvalidInput naming method.code.<field> (exit 2)."""
    if not isinstance(value, dict):
        raise InvalidInput('method.code: expected {"language": "python", "source": "...", "hooks": [...]}')
    for key in value:
        if key not in ("language", "source", "hooks"):
            raise InvalidInput(f"method.code.{key}: unknown field; accepted: language, source, hooks")
    language = value.get("language")
    if language is None or language == "javascript":
        raise InvalidInput('method.code: JavaScript hooks run only on the embedded w2s runner; the GPU trainer takes code.language "python"')
    if language != "python":
        raise InvalidInput(f'method.code.language: expected "python", got {json.dumps(language)}')
    source = value.get("source")
    if not isinstance(source, str) or not source.strip():
        raise InvalidInput("method.code.source: expected the text of a Python module that defines hooks")
    if len(source) > MAX_SOURCE:
        raise InvalidInput(f"method.code.source: {len(source)} characters; at most {MAX_SOURCE}")
    try:
        tree = ast.parse(source, filename=METHOD_FILENAME)
    except SyntaxError as e:
        raise InvalidInput(f"method.code.source: syntax error at line {e.lineno} column {e.offset}: {e.msg}") from None
    except ValueError as e:  # null bytes
        raise InvalidInput(f"method.code.source: {e}") from None
    defined = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    known = ", ".join(HOOKS)
    if "hooks" in value:
        hooks = value["hooks"]
        if not isinstance(hooks, list) or not hooks or not all(isinstance(h, str) for h in hooks):
            raise InvalidInput(f"method.code.hooks: expected a non-empty list of hook names ({known})")
        for h in hooks:
            if h not in HOOKS:
                raise InvalidInput(f"method.code.hooks: unknown hook {json.dumps(h)}; accepted: {known}")
            if h not in defined:
                raise InvalidInput(f"method.code.hooks: {h} is not defined as a top-level function (def {HOOK_SIGNATURES[h]}) in method.code.source")
        if len(set(hooks)) != len(hooks):
            raise InvalidInput("method.code.hooks: a hook is listed twice")
    else:
        hooks = [h for h in HOOKS if h in defined]
        if not hooks:
            raise InvalidInput(f"method.code.source: defines none of the hooks as a top-level function; accepted: {', '.join(HOOK_SIGNATURES.values())}")
    for h in hooks:
        args = defined[h].args
        positional = len(args.posonlyargs) + len(args.args)
        required = positional - len(args.defaults)
        if required > HOOKS[h] or (positional < HOOKS[h] and args.vararg is None):
            raise InvalidInput(f"method.code.source: line {defined[h].lineno}: {h} takes {HOOKS[h]} argument(s): def {HOOK_SIGNATURES[h]}")
    return MethodCode(source=source, hooks=list(hooks), tree=tree)


def _refuse(node: ast.AST, what: str) -> MethodError:
    line = getattr(node, "lineno", None)
    where = f" (line {line})" if line else ""
    return MethodError(f"method code{where}: {what}; {NO_ACCESS}", None, line)


# Why each refused attribute is refused, in the order a name is checked.
_ATTR_REASONS = (
    (FORMAT_ATTRS, "str.format can walk attributes; use an f-string"),
    (FILE_ATTRS, "it would open files: method code may not open files"),
    (NATIVE_ATTRS, "it loads native code or starts processes or network"),
    (FRAME_ATTRS, "frames and tracebacks reach the trainer's own variables"),
    (MODULE_ATTRS, "it reaches the operating system: files, processes, environment"),
    (DENIED_ATTRS, "it walks attributes like getattr"),
)


def attr_refused(name: str) -> Optional[str]:
    if name.startswith("_") and name not in ALLOWED_DUNDERS:
        return f"may not use the attribute {name!r} (names starting with _ reach the interpreter's internals)"
    why = next((reason for names, reason in _ATTR_REASONS if name in names), None)
    return None if why is None else f"may not use the attribute {name!r} ({why})"


def check_source(code: MethodCode) -> None:
    """The AST check: MethodError (exit 3) naming the first refused construct and its line."""
    for node in ast.walk(code.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name not in ALLOWED_MODULES:
                    raise _refuse(node, f"may not import {alias.name} (allowed: {', '.join(sorted(ALLOWED_MODULES))})")
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level or mod not in ALLOWED_MODULES:
                raise _refuse(node, f"may not import from {'.' * node.level}{mod} (allowed: {', '.join(sorted(ALLOWED_MODULES))})")
            for alias in node.names:
                if alias.name == "*":
                    raise _refuse(node, f"may not use from {mod} import *")
                why = attr_refused(alias.name)
                if why:
                    raise _refuse(node, why)
        elif isinstance(node, ast.Name):
            if node.id in DENIED_NAMES or node.id.startswith("__"):
                raise _refuse(node, f"may not use {node.id}")
        elif isinstance(node, ast.Attribute):
            why = attr_refused(node.attr)
            if why:
                raise _refuse(node, why)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "setattr", "delattr", "hasattr"):
            if len(node.args) > 1 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
                why = attr_refused(node.args[1].value)
                if why:
                    raise _refuse(node, why)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                if name.startswith("__"):
                    raise _refuse(node, f"may not use {name}")


class ModuleView:
    """A read-only view of an allowed module: refused attribute names and modules outside
    ALLOWED_MODULES raise GuardRefusal; allowed submodules come back as views too."""

    __slots__ = ("_module",)

    def __init__(self, module: types.ModuleType):
        object.__setattr__(self, "_module", module)

    def __getattr__(self, name: str):
        why = attr_refused(name)
        if why:
            raise GuardRefusal(why)
        value = getattr(object.__getattribute__(self, "_module"), name)
        return _wrap(value)

    def __setattr__(self, name, value):
        raise GuardRefusal("may not change modules")

    def __delattr__(self, name):
        raise GuardRefusal("may not change modules")

    def __dir__(self):
        return [n for n in dir(object.__getattribute__(self, "_module")) if attr_refused(n) is None]

    def __repr__(self):
        return f"<module {object.__getattribute__(self, '_module').__name__!r} (method view)>"


def _wrap(value):
    if isinstance(value, types.ModuleType):
        if value.__name__ in ALLOWED_MODULES:
            return ModuleView(value)
        raise GuardRefusal(f"may not use module {value.__name__}")
    return value


def _safe_import(name, globals=None, locals=None, fromlist=(), level=0):
    if level or name not in ALLOWED_MODULES:
        raise GuardRefusal(f"may not import {name}")
    import importlib

    module = importlib.import_module(name)
    if fromlist:
        return ModuleView(module)
    return ModuleView(importlib.import_module(name.split(".")[0]))


def _safe_getattr(obj, name, *default):
    why = attr_refused(name) if isinstance(name, str) else None
    if why:
        raise GuardRefusal(why)
    return getattr(obj, name, *default)


def _safe_hasattr(obj, name):
    why = attr_refused(name) if isinstance(name, str) else None
    if why:
        raise GuardRefusal(why)
    return hasattr(obj, name)


def _safe_setattr(obj, name, value):
    why = attr_refused(name) if isinstance(name, str) else None
    if why:
        raise GuardRefusal(why)
    setattr(obj, name, value)


def _safe_delattr(obj, name):
    why = attr_refused(name) if isinstance(name, str) else None
    if why:
        raise GuardRefusal(why)
    delattr(obj, name)


def _method_print(*args, sep=" ", end="\n", file=None, flush=False):
    """print for method code: to stderr, every line prefixed, so no line it prints can pass for one
    of the trainer's protocol lines (AAR_PROGRESS, AAR_METHOD_ERROR). `file` is ignored."""
    import sys

    text = str(sep).join(str(a) for a in args) + str(end)
    sys.stderr.write("".join(f"method| {line}\n" for line in text.splitlines()))
    sys.stderr.flush()


_PLAIN = ("abs all any ascii bin bool bytearray bytes callable chr classmethod complex dict dir divmod enumerate filter float "
          "format frozenset hash hex id int isinstance issubclass iter len list map max min next object oct ord pow "
          "property range repr reversed round set slice sorted staticmethod str sum super tuple type zip").split()


def safe_builtins() -> Dict[str, Any]:
    out: Dict[str, Any] = {name: getattr(builtins, name) for name in _PLAIN}
    for name in dir(builtins):
        value = getattr(builtins, name)
        if isinstance(value, type) and issubclass(value, BaseException):
            out[name] = value
    out.update(NotImplemented=NotImplemented, Ellipsis=Ellipsis)
    out["__build_class__"] = builtins.__build_class__
    out["__import__"] = _safe_import
    out["print"] = _method_print
    out.update(getattr=_safe_getattr, hasattr=_safe_hasattr, setattr=_safe_setattr, delattr=_safe_delattr)
    return out


def method_line(tb) -> Optional[int]:
    """The line of the method's source where a traceback last passed through it."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == METHOD_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def translate(e: BaseException, hook: Optional[str], label: Optional[str] = None) -> MethodError:
    """Any failure of method code -> MethodError with a message an agent can act on."""
    if isinstance(e, MethodError):
        return e
    line = method_line(e.__traceback__)
    if isinstance(e, GuardRefusal):
        what = e.what if e.what.endswith(NO_ACCESS) else f"{e.what}; {NO_ACCESS}"
    elif isinstance(e, MethodTimeout):
        what = str(e)
    elif is_out_of_memory(e):
        what = f"ran out of memory ({type(e).__name__}{': ' + str(e)[:300] if str(e) else ''})"
    else:
        what = f"{type(e).__name__}: {str(e)[:1000]}"
    name = hook or label or "module"
    where = name + (f" (line {line})" if line else "")
    return MethodError(f"method code: {where}: {what}", hook, line)
