"""Restricted execution of BPMN scripts and conditions.

SpiffWorkflow's default environment is plain eval/exec, so a BPMN upload could run
`__import__('os')`, and its `safe_globals` recipe is escapable through `__subclasses__`
(SPIFFWORKFLOW.md pitfall 2). Here every expression and script is compiled by RestrictedPython
(no names or attributes starting with "_", guarded attribute/item access), and the compiled code
is instrumented so that it cannot run past a CPU-time budget or build huge values:

* every loop body and function/lambda body calls `_tick_()`, which checks the thread's CPU time
  and, every few hundred ticks, how much the process's memory grew since the script started;
* iteration goes through `_getiter_`, which ticks too (comprehensions, builtins over iterators);
* `**`, `*`, `<<`, `+` and `%` go through guards that refuse results too large to build quickly;
  `%` formatting (text and bytes) is read field by field: no width or precision from an argument
  (`*`), none above MAX_FORMAT_WIDTH, and the result's size is estimated from the values each
  field takes (a mapping's value used by many fields counts each time) before it is built;
* attribute access is an allowlist of plain methods of str/list/dict/set/tuple (no `format`,
  `format_map`, `expandtabs`, `to_bytes`: `str.format` could also reach attributes through its
  fields), with the ones that can build huge values in one C call (`join`, `replace`, `extend`,
  padding) guarded; f-string format specs are constant, each width at most MAX_FORMAT_WIDTH and
  an f-string's widths together at most MAX_FSTRING_WIDTH; there is no `format()` builtin;
* `range` is capped and `sum` is a ticking, guarded loop;
* `str()`, `repr()` and every f-string field estimate the text of their value before writing it
  (a value referenced many times counts each time), and the data a script leaves is counted the
  same way before it is stored (engine/limits.py `storable_problem`, `max_values`).

What stays out of reach in-process: one C-level call on values already at the caps can still take
some milliseconds. Scripts are written by authenticated BPMN authors, and every deployment is
traced; this layer is there so that neither a mistake nor a probe can take the server down.

The engine object is not serialized by SpiffWorkflow: `processor.py` re-attaches it after every
deserialization.
"""
import ast
import json
import math
import operator
import os
import re
import threading
import time
import traceback
from datetime import date, datetime, timedelta
from functools import lru_cache

from RestrictedPython import (
    RestrictingNodeTransformer,
    compile_restricted_eval,
    compile_restricted_exec,
    limited_builtins,
    safe_builtins,
)
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from ..messages import Text, tr
from .errors import ScriptCompileError, ScriptError, ScriptTimeout, bounded_text
from .limits import DEFAULT_LIMITS, EngineLimits, check_runtime_value, storable_problem

MAX_SEQUENCE = 1_000_000
MAX_INT_BITS = 100_000
MAX_FORMAT_WIDTH = 1000
MAX_FSTRING_WIDTH = 10 * MAX_FORMAT_WIDTH
MAX_MEMORY_GROWTH = 256 * 1024 * 1024
_TICK_EVERY = 256
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

_budget = threading.local()


def _resident_bytes() -> int:
    """Current resident memory of the process (Linux /proc); 0 where unavailable."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return 0


def _tick():
    _budget.count = getattr(_budget, "count", 0) + 1
    if _budget.count % _TICK_EVERY:
        return
    if time.thread_time() > getattr(_budget, "deadline", math.inf):
        raise ScriptTimeout(tr("script exceeded its CPU time limit"))
    if _resident_bytes() > getattr(_budget, "memory_limit", math.inf):
        raise ScriptError(tr("script used too much memory"))


def _ticking_iter(ob):
    for item in iter(ob):
        _tick()
        yield item


def _pow(a, b):
    if isinstance(a, int) and isinstance(b, int) and b > 0 and a not in (0, 1, -1):
        if abs(a).bit_length() * b > MAX_INT_BITS:
            raise _too_large("**")
    return a**b


def _pow_builtin(base, exp, mod=None):
    """The built-in pow(): three-argument (modular) pow is cheap; two-argument pow is guarded like **."""
    if mod is not None:
        return pow(base, exp, mod)
    return _pow(base, exp)


def _mul(a, b):
    for seq, n in ((a, b), (b, a)):
        if isinstance(seq, (str, bytes, list, tuple)) and isinstance(n, int):
            if len(seq) * n > MAX_SEQUENCE:
                raise _too_large("*")
    if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > MAX_INT_BITS:
        raise _too_large("*")
    return a * b


def _lshift(a, b):
    if isinstance(b, int) and b > MAX_INT_BITS:
        raise _too_large("<<")
    return a << b


def _too_large(operation: str) -> ScriptError:
    return ScriptError(tr("result of %(operation)s is too large", operation=operation))


def _check_length(n: int, what: str):
    if n > MAX_SEQUENCE:
        raise _too_large(what)


def _add(a, b):
    if isinstance(a, (str, bytes, list, tuple)) and isinstance(b, (str, bytes, list, tuple)):
        _check_length(len(a) + len(b), "+")
    return a + b


def _text_size(value, limit: int) -> int:
    """An upper estimate of len(str(value)), walked without recursion; stops once above `limit`.
    A value referenced many times counts each time, as str() would write it each time."""
    size, todo = 0, [value]
    while todo:
        item = todo.pop()
        kind = type(item)
        if kind is str or kind is bytes:
            size += len(item) + 3
        elif kind is int:
            size += item.bit_length() // 3 + 2  # decimal digits <= bits * 0.302
        elif kind is list or kind is tuple or kind is set or kind is frozenset:
            size += 2 + 2 * len(item)
            todo.extend(item)
        elif kind is dict:
            size += 2 + 4 * len(item)
            todo.extend(item.keys())
            todo.extend(item.values())
        else:
            size += 32  # float, bool, None, anything else: repr of bounded length
        if size > limit:
            return size
    return size


def _printf_fields(text: str):
    """(key, width, precision, conversion) of each field of a %-format, as CPython reads them:
    a mapping key in balanced parentheses, flags, width and precision (digits or '*'), a length
    modifier, the conversion."""
    pos, end = 0, len(text)
    while True:
        pos = text.find("%", pos)
        if pos < 0 or pos + 1 >= end:
            return
        i, key = pos + 1, None
        if text[i] == "(":
            depth, start = 1, i + 1
            while i + 1 < end and depth:
                i += 1
                depth += {"(": 1, ")": -1}.get(text[i], 0)
            key, i = text[start:i], i + 1
        while i < end and text[i] in "-+ #0":
            i += 1
        width, precision = "", ""
        if i < end and text[i] == "*":
            width, i = "*", i + 1
        else:
            while i < end and text[i].isdigit():
                width, i = width + text[i], i + 1
        if i < end and text[i] == ".":
            i += 1
            if i < end and text[i] == "*":
                precision, i = "*", i + 1
            else:
                while i < end and text[i].isdigit():
                    precision, i = precision + text[i], i + 1
        while i < end and text[i] in "hlL":
            i += 1
        conversion = text[i] if i < end else ""
        yield key, width, precision, conversion
        pos = i + 1


def _number(digits: str) -> int:
    if digits == "*":
        raise ScriptError(tr("a format width or precision taken from the values ('*') is not allowed in scripts"))
    if len(digits) > 6 or (digits and int(digits) > MAX_FORMAT_WIDTH):
        raise ScriptError(tr("format width too large (at most %(max)d)", max=MAX_FORMAT_WIDTH))
    return int(digits) if digits else 0


def _check_printf(fmt, args) -> None:
    """Refuse a %-format whose widths come from the values or exceed MAX_FORMAT_WIDTH, or whose
    result would be longer than MAX_SEQUENCE, before Python builds it."""
    text = fmt if isinstance(fmt, str) else fmt.decode("latin-1")
    mapping = args if isinstance(args, dict) else None
    positional = args if isinstance(args, tuple) else (args,)
    total, index, sizes = len(text), 0, {}
    for key, width, precision, conversion in _printf_fields(text):
        _tick()
        padding = _number(width) + _number(precision)
        if conversion == "%":
            total += padding
            continue
        if key is not None:
            if key not in sizes:
                value = mapping.get(key) if mapping is not None else None
                sizes[key] = _text_size(value, MAX_SEQUENCE)
            size = sizes[key]
        else:
            value = positional[index] if index < len(positional) else None
            index += 1
            size = _text_size(value, MAX_SEQUENCE)
        total += size + padding
        if total > MAX_SEQUENCE:
            raise _too_large("%")


def _mod(a, b):
    if isinstance(a, (str, bytes)):  # printf-style formatting
        _check_printf(a, b)
    return a % b


def _text_(value):
    """A value about to be written as text (`str()`, `repr()`, an f-string field): refused when
    its text would be too long to build. Containers count every reference to a shared value, as
    str() writes it each time: `[[[1] * 1000] * 1000] * 1000` is small in memory and a billion
    characters long."""
    if type(value) is not str and _text_size(value, MAX_SEQUENCE) > MAX_SEQUENCE:
        raise _too_large("text of a value")
    return value


class _TextOf(type):
    """`str` in scripts: a call checks the value's text size first (`_text_`); it is still the
    type `str` to `isinstance`. Its attributes are out of reach like any class's (_getattr)."""

    def __call__(cls, *args, **kwargs):
        if args:
            _text_(args[0])
        return str(*args, **kwargs)

    def __instancecheck__(cls, obj):
        return isinstance(obj, str)

    def __subclasscheck__(cls, sub):
        return isinstance(sub, type) and issubclass(sub, str)


class _Str(metaclass=_TextOf):
    pass


def _repr(value):
    return repr(_text_(value))


_BINOP_GUARDS = {ast.Pow: "_pow_", ast.Mult: "_mul_", ast.LShift: "_lshift_", ast.Add: "_add_",
                 ast.Mod: "_mod_"}
_INPLACE_OPS = {
    "**=": _pow, "*=": _mul, "<<=": _lshift, "+=": _add, "%=": _mod,
    "-=": operator.sub, "/=": operator.truediv, "//=": operator.floordiv, "|=": operator.or_,
    "&=": operator.and_, "^=": operator.xor, ">>=": operator.rshift,
}


def _inplacevar(op, x, y):
    if op not in _INPLACE_OPS:
        raise ScriptError(tr("operator %(operator)s is not allowed", operator=op))
    return _INPLACE_OPS[op](x, y)


def _sum(iterable, start=0):
    total = start
    for item in iterable:
        _tick()
        total = _add(total, item)
    return total


# -- attribute access: an allowlist of plain methods ------------------------------------------------
def _join(sep: str):
    def join(items):
        items = list(items)
        _check_length(sum(len(i) if isinstance(i, str) else 0 for i in items) + len(sep) * len(items), "join")
        return sep.join(items)
    return join


def _replace(s: str):
    def replace(old, new, count=-1):
        hits = s.count(old) if count < 0 else min(count, s.count(old))
        if old == "":
            hits = len(s) + 1
        _check_length(len(s) + hits * max(0, len(new) - len(old)), "replace")
        return s.replace(old, new, count)
    return replace


def _padding(s: str, name: str):
    method = getattr(s, name)

    def pad(width, *args):
        _check_length(width, name)
        return method(width, *args)
    return pad


def _extend(lst: list):
    def extend(items):
        items = list(items)
        _check_length(len(lst) + len(items), "extend")
        lst.extend(items)
    return extend


_STR_METHODS = {
    "capitalize", "casefold", "count", "endswith", "find", "index", "isalnum", "isalpha", "isdecimal",
    "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper", "lower", "lstrip", "partition",
    "removeprefix", "removesuffix", "rfind", "rindex", "rpartition", "rsplit", "rstrip", "split",
    "splitlines", "startswith", "strip", "swapcase", "title", "upper",
}
_STR_GUARDED = {"join": _join, "replace": _replace,
                **{name: (lambda n: lambda s: _padding(s, n))(name) for name in ("center", "ljust", "rjust", "zfill")}}
_ALLOWED = {
    str: _STR_METHODS,
    list: {"append", "clear", "copy", "count", "index", "insert", "pop", "remove", "reverse", "sort"},
    dict: {"clear", "copy", "get", "items", "keys", "pop", "popitem", "setdefault", "update", "values"},
    tuple: {"count", "index"},
    set: {"add", "clear", "copy", "difference", "discard", "intersection", "isdisjoint", "issubset",
          "issuperset", "pop", "remove", "symmetric_difference", "union"},
    frozenset: {"copy", "difference", "intersection", "isdisjoint", "issubset", "issuperset",
                "symmetric_difference", "union"},
    int: {"bit_length", "real", "imag", "numerator", "denominator"},
    float: {"is_integer", "real", "imag"},
    bool: set(),
}


def _getattr(obj, name, default=None):
    """Attribute access in scripts: the allowlist above, nothing else (no dunders, no format)."""
    kind = type(obj)
    if kind is str and name in _STR_GUARDED:
        return _STR_GUARDED[name](obj)
    if kind is list and name == "extend":
        return _extend(obj)
    if name in _ALLOWED.get(kind, ()):
        return safer_getattr(obj, name)
    raise ScriptError(tr("%(type)s.%(name)s is not available in scripts", type=kind.__name__,
                         name=bounded_text(name, 80)))


def _capped_range(*args):
    r = range(*args)
    if len(r) > MAX_SEQUENCE:
        raise ScriptError(tr("range() is too long"))
    return r


def _tick_call() -> ast.Expr:
    return ast.Expr(ast.Call(func=ast.Name("_tick_", ast.Load()), args=[], keywords=[]))


class BudgetedTransformer(RestrictingNodeTransformer):
    """RestrictedPython's checks plus the CPU/size instrumentation described above."""

    def _tick_body(self, node):
        tick = _tick_call()
        node.body.insert(0, ast.fix_missing_locations(ast.copy_location(tick, node.body[0])))
        return node

    def visit_While(self, node):
        return self._tick_body(super().visit_While(node))

    def visit_For(self, node):
        return self._tick_body(super().visit_For(node))

    def visit_FunctionDef(self, node):
        return self._tick_body(super().visit_FunctionDef(node))

    def visit_Lambda(self, node):
        node = super().visit_Lambda(node)
        body = ast.BoolOp(ast.Or(), [_tick_call().value, node.body])
        node.body = ast.fix_missing_locations(ast.copy_location(body, node.body))
        return node

    def visit_FormattedValue(self, node):
        node = super().visit_FormattedValue(node)
        call = ast.Call(func=ast.Name("_text_", ast.Load()), args=[node.value], keywords=[])
        node.value = ast.fix_missing_locations(ast.copy_location(call, node.value))
        spec = node.format_spec
        if spec is not None:
            parts = spec.values if isinstance(spec, ast.JoinedStr) else [spec]
            if not all(isinstance(p, ast.Constant) for p in parts):
                self.error(node, "f-string format specs must be constant in scripts")
            else:
                text = "".join(str(p.value) for p in parts)
                widths = [len(n) > 6 and MAX_SEQUENCE or int(n) for n in re.findall(r"\d+", text)]
                if any(w > MAX_FORMAT_WIDTH for w in widths):
                    self.error(node, f"f-string format width above {MAX_FORMAT_WIDTH}")
                self._fstring_width = getattr(self, "_fstring_width", 0) + sum(widths)
        return node

    def visit_JoinedStr(self, node):
        """An f-string's fields may pad at most MAX_FSTRING_WIDTH characters together (one
        f-string of many padded fields is one C call)."""
        outer, self._fstring_width = getattr(self, "_fstring_width", 0), 0
        node = self.node_contents_visit(node)
        if self._fstring_width > MAX_FSTRING_WIDTH:
            self.error(node, f"f-string format widths above {MAX_FSTRING_WIDTH} together")
        self._fstring_width = outer + self._fstring_width
        return node

    def visit_BinOp(self, node):
        node = super().visit_BinOp(node)
        guard = _BINOP_GUARDS.get(type(node.op))
        if guard is None:
            return node
        call = ast.Call(func=ast.Name(guard, ast.Load()), args=[node.left, node.right], keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))


# -- dates a timer may run to ----------------------------------------------------------------------
# A timer's time often comes from the case's record: a boundary timer warning before a statutory
# limit runs out is `add_days(seized_at, 25)` (timeDate), from the date and time a form recorded.
# Texts in, text out: a script never holds a datetime (task data stays plain JSON).
MAX_SHIFT_DAYS = 36_600


def _moved(value, delta: timedelta, name: str) -> str:
    if not isinstance(value, str) or len(value) > 40:
        raise ScriptError(tr("%(name)s takes an ISO 8601 date or date and time as text", name=name))
    text_ = value.strip()
    try:
        if "T" not in text_ and " " not in text_:
            day = date.fromisoformat(text_)
            if delta % timedelta(days=1):
                raise ScriptError(tr("%(name)s of a date moves it by whole days; give a date and time",
                                     name=name))
            return (day + delta).isoformat()
        return (datetime.fromisoformat(text_) + delta).isoformat()
    except ValueError:
        raise ScriptError(tr("%(name)s takes an ISO 8601 date or date and time as text, not %(value)s", name=name,
                             value=bounded_text(repr(value), 60))) from None
    except OverflowError:
        raise ScriptError(tr("%(name)s: the result is out of the calendar's range", name=name)) from None


def _amount(n, name: str, limit: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or abs(n) > limit:
        raise ScriptError(tr("%(name)s moves by a whole number up to %(limit)d", name=name, limit=limit))
    return n


def add_days(value, days):
    """The ISO date, or date and time, `days` calendar days after `value` (before, if negative):
    `add_days("2026-03-01T10:30:00+08:00", 25)` is "2026-03-26T10:30:00+08:00"."""
    return _moved(value, timedelta(days=_amount(days, "add_days", MAX_SHIFT_DAYS)), "add_days")


def add_hours(value, hours):
    """The ISO date and time `hours` hours after `value`."""
    return _moved(value, timedelta(hours=_amount(hours, "add_hours", MAX_SHIFT_DAYS * 24)), "add_hours")


_EXTRA_BUILTINS = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in ("all", "any", "sum", "min", "max", "enumerate", "dict", "list", "set", "map",
                 "filter", "reversed")
}


def _builtins() -> dict:
    b = dict(safe_builtins)
    b.update(limited_builtins)
    b.update(_EXTRA_BUILTINS)
    b["range"] = _capped_range
    b["sum"] = _sum
    b["pow"] = _pow_builtin
    b["str"] = _Str
    b["repr"] = _repr
    b["add_days"] = add_days
    b["add_hours"] = add_hours
    return b


BASE_GLOBALS = {
    "__builtins__": _builtins(),
    "_getattr_": _getattr,
    "_getitem_": lambda ob, index: ob[index],
    "_getiter_": _ticking_iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
    "_apply_": lambda f, *a, **kw: f(*a, **kw),
    "_tick_": _tick,
    "_pow_": _pow,
    "_mul_": _mul,
    "_lshift_": _lshift,
    "_add_": _add,
    "_mod_": _mod,
    "_text_": _text_,
}


def _raise_compile_errors(result, source: str):
    if result.errors or result.code is None:
        # RestrictedPython's own reasons are English: a value of the translated frame at deploy
        raise ScriptCompileError("; ".join(result.errors) or tr("cannot compile %(source)s",
                                                                  source=bounded_text(repr(source), 120)))
    return result.code


@lru_cache(maxsize=4096)
def compile_expression(source: str):
    """Compile a condition or expression; raises ScriptCompileError with RestrictedPython's reasons."""
    try:
        result = compile_restricted_eval(source, "<condition>", policy=BudgetedTransformer)
    except SyntaxError as err:  # RestrictedPython reports most, but not all, as errors
        raise ScriptCompileError(tr("syntax error: %(reason)s", reason=bounded_text(err.msg))) from None
    except (MemoryError, RecursionError, ValueError) as err:  # e.g. 100,000 nested operators
        raise ScriptCompileError(_too_complex(err)) from None
    return _raise_compile_errors(result, source)


@lru_cache(maxsize=1024)
def compile_script(source: str):
    try:
        result = compile_restricted_exec(source, "<script>", policy=BudgetedTransformer)
    except SyntaxError as err:
        raise ScriptCompileError(tr("syntax error: %(reason)s", reason=bounded_text(err.msg))) from None
    except (MemoryError, RecursionError, ValueError) as err:
        raise ScriptCompileError(_too_complex(err)) from None
    return _raise_compile_errors(result, source)


def _too_complex(err: BaseException) -> Text:
    """Python's own parser gives up on some sources with these, not a SyntaxError."""
    reason = bounded_text(err, 120)
    if not reason:
        return tr("the script cannot be compiled (%(error)s: too deeply nested)", error=type(err).__name__)
    return tr("the script cannot be compiled (%(error)s)", error=f"{type(err).__name__}: {reason}")


class _Budget:
    """Sets this thread's CPU deadline for one evaluation (re-entrant)."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    def __enter__(self):
        self.saved = (getattr(_budget, "deadline", math.inf), getattr(_budget, "memory_limit", math.inf))
        _budget.deadline = min(self.saved[0], time.thread_time() + self.seconds)
        resident = _resident_bytes()
        _budget.memory_limit = min(self.saved[1], resident + MAX_MEMORY_GROWTH if resident else math.inf)

    def __exit__(self, *exc):
        _budget.deadline, _budget.memory_limit = self.saved


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates BPMN expressions and scripts over task data, restricted and CPU-limited."""

    def __init__(self, cpu_seconds: float = 1.0, environment_globals: dict | None = None,
                 max_data_bytes: int = DEFAULT_LIMITS.max_state_bytes,
                 max_data_depth: int = DEFAULT_LIMITS.max_data_depth):
        super().__init__(environment_globals or {})
        self.cpu_seconds = cpu_seconds
        self.max_data_bytes = max_data_bytes
        self.max_data_depth = max_data_depth

    def _globals(self, context: dict, external_context: dict | None) -> dict:
        """Task data first, the sandbox's guards last: a data key named `_getiter_` or
        `__builtins__` must never replace a guard."""
        g = dict(context)
        g.update(external_context or {})
        g.update(self.globals)
        g.update(BASE_GLOBALS)
        return g

    def evaluate(self, expression, context, external_context=None):
        code = compile_expression(expression)
        with _Budget(self.cpu_seconds):
            return eval(code, self._globals(context, external_context))  # noqa: S307 - restricted code

    def execute(self, script, context, external_context=None):
        code = compile_script(script)
        g = self._globals(context, external_context)
        with _Budget(self.cpu_seconds):
            exec(code, g)  # noqa: S102 - restricted code
        reserved = set(BASE_GLOBALS) | set(self.globals) | set(external_context or {})
        result = {
            k: v for k, v in g.items()
            if k not in reserved and not k.startswith("_") and not callable(v)
        }
        # The case stores its data as JSON and loads it again at the next step: only plain JSON
        # values (no NaN, sets, bytes or number keys), no key SpiffWorkflow reads as its own object.
        problem = storable_problem(result, self.max_data_depth, reserved_key="typename",
                                   max_values=self.max_data_bytes)  # a value is at least a byte of JSON
        if problem:
            raise ScriptError(tr("script left a value that cannot be stored as JSON: %(reason)s", reason=problem))
        try:
            size = len(json.dumps(result, ensure_ascii=False, allow_nan=False).encode("utf-8"))
        except (TypeError, ValueError, RecursionError) as err:  # UnicodeEncodeError: a lone surrogate
            raise ScriptError(tr("script left a value that cannot be stored as JSON: %(reason)s",
                                 reason=bounded_text(err))) from None
        if size > self.max_data_bytes:
            raise ScriptError(tr("script left %(size)d bytes of data; the limit is %(limit)d", size=size,
                                 limit=self.max_data_bytes))
        context.clear()
        context.update(result)
        return True


# Called with the BPMN id of each element before its script or expression runs. The engine
# worker points it at shared memory, so that when it has to kill a step it can still say which
# element was running.
element_hook = None


def _script_line(err: BaseException) -> int | None:
    line = None
    for frame in traceback.extract_tb(err.__traceback__):
        if frame.filename in ("<script>", "<condition>"):
            line = frame.lineno
    return line


def describe_error(err: BaseException) -> str:
    """`KeyError: 1`: the type and a bounded text, whatever the exception's arguments are
    (SpiffWorkflow's own reporter assumes a string and fails on `{}[1]` or `10.0**400`). One of
    our own refusals (a limit, a name not allowed) is its message alone, a Text the reader's
    language can say; Python's words stay as they are, as a value of the frame around them."""
    text = bounded_text(err)
    if len(err.args) == 1 and isinstance(err.args[0], Text):
        return text
    # Python's own words, as Python says them in any language (a Text only so that a long one
    # is clipped in its words, not in its type)
    return tr("%(kind)s: %(reason)s", kind=type(err).__name__, reason=text) if text else type(err).__name__


class ScriptFailed(WorkflowTaskException):
    """A script or expression of a task failed. SpiffWorkflow keeps only str(message): `text`
    keeps the message itself (a Text), for the reader's language."""

    def __init__(self, message: Text, **kwargs):
        super().__init__(message, **kwargs)
        self.text = message


class RestrictedScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's script engine, restricted; also checks the values that steer the engine
    itself (timer expressions, loop cardinalities) before SpiffWorkflow acts on them."""

    def __init__(self, limits: EngineLimits = DEFAULT_LIMITS):
        super().__init__(environment=RestrictedEnvironment(limits.script_cpu_seconds,
                                                           max_data_bytes=limits.max_state_bytes,
                                                           max_data_depth=limits.max_data_depth))
        self.limits = limits
        # The decision tables evaluated with this engine (decisions.DecisionEngine): one engine
        # serves one step of one case (processor.py), so these are the step's.
        self.decisions: list[tuple] = []

    def validate(self, expression):
        """SpiffWorkflow's test of an expression: a SyntaxError when it does not compile (its DMN
        engine reads an input entry such as `< 5` as "not an expression alone" by that error)."""
        try:
            compile_expression(expression)
        except ScriptCompileError as err:
            raise SyntaxError(str(err)) from None

    def evaluate(self, task, expression, external_context=None):
        _note(task)
        try:
            value = self.environment.evaluate(expression, task.data, external_context)
            check_runtime_value(task.task_spec, expression, value, self.limits)
            return value
        except SpiffWorkflowException:
            raise
        except Exception as err:  # noqa: BLE001 - any failure of author code is the task's error
            raise ScriptFailed(tr("%(error)s (expression %(expression)s)", error=describe_error(err),
                                  expression=bounded_text(expression, 120)), task=task, exception=err) from None

    def execute(self, task, script, external_context=None):
        _note(task)
        try:
            return self.environment.execute(script, task.data, external_context or {})
        except SpiffWorkflowException:
            raise
        except Exception as err:  # noqa: BLE001
            line = _script_line(err)
            message = describe_error(err)
            if line:
                message = tr("%(error)s (script line %(line)d)", error=message, line=line)
            raise ScriptFailed(message, task=task, exception=err, line_number=line) from None


def _note(task):
    if element_hook is not None:
        element_hook(getattr(task.task_spec, "bpmn_id", None) or "")
