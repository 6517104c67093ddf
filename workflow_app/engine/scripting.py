"""Restricted execution of BPMN scripts and conditions.

SpiffWorkflow's default environment is plain eval/exec, so a BPMN upload could run
`__import__('os')`, and its `safe_globals` recipe is escapable through `__subclasses__`
(SPIFFWORKFLOW.md pitfall 2). Here every expression and script is compiled by RestrictedPython
(no names or attributes starting with "_", guarded attribute/item access), and the compiled code
is instrumented so that it cannot run past a CPU-time budget or build huge values:

* every loop body and function/lambda body calls `_tick_()`, which checks the thread's CPU time;
* iteration goes through `_getiter_`, which ticks too (comprehensions, builtins over iterators);
* `**`, `*` and `<<` go through guards that refuse results too large to compute quickly;
* `range` is capped.

The engine object is not serialized by SpiffWorkflow: `processor.py` re-attaches it after every
deserialization.
"""
import ast
import json
import math
import threading
import time
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
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from .errors import ScriptCompileError, ScriptError, ScriptTimeout

MAX_SEQUENCE = 1_000_000
MAX_INT_BITS = 100_000
_TICK_EVERY = 256

_budget = threading.local()


def _tick():
    _budget.count = getattr(_budget, "count", 0) + 1
    if _budget.count % _TICK_EVERY == 0 and time.thread_time() > getattr(_budget, "deadline", math.inf):
        raise ScriptTimeout("script exceeded its CPU time limit")


def _ticking_iter(ob):
    for item in iter(ob):
        _tick()
        yield item


def _pow(a, b):
    if isinstance(a, int) and isinstance(b, int) and b > 0 and a not in (0, 1, -1):
        if abs(a).bit_length() * b > MAX_INT_BITS:
            raise ScriptError("result of ** is too large")
    return a**b


def _mul(a, b):
    for seq, n in ((a, b), (b, a)):
        if isinstance(seq, (str, bytes, list, tuple)) and isinstance(n, int):
            if len(seq) * n > MAX_SEQUENCE:
                raise ScriptError("result of * is too large")
    if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > MAX_INT_BITS:
        raise ScriptError("result of * is too large")
    return a * b


def _lshift(a, b):
    if isinstance(b, int) and b > MAX_INT_BITS:
        raise ScriptError("result of << is too large")
    return a << b


_BINOP_GUARDS = {ast.Pow: "_pow_", ast.Mult: "_mul_", ast.LShift: "_lshift_"}
_INPLACE_OPS = {"**=": _pow, "*=": _mul, "<<=": _lshift}


def _inplacevar(op, x, y):
    if op in _INPLACE_OPS:
        return _INPLACE_OPS[op](x, y)
    import operator

    table = {"+=": operator.add, "-=": operator.sub, "/=": operator.truediv,
             "//=": operator.floordiv, "%=": operator.mod, "|=": operator.or_,
             "&=": operator.and_, "^=": operator.xor, ">>=": operator.rshift}
    if op not in table:
        raise ScriptError(f"operator {op} is not allowed")
    return table[op](x, y)


def _capped_range(*args):
    r = range(*args)
    if len(r) > MAX_SEQUENCE:
        raise ScriptError("range() is too long")
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

    def visit_BinOp(self, node):
        node = super().visit_BinOp(node)
        guard = _BINOP_GUARDS.get(type(node.op))
        if guard is None:
            return node
        call = ast.Call(func=ast.Name(guard, ast.Load()), args=[node.left, node.right], keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))


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
    return b


BASE_GLOBALS = {
    "__builtins__": _builtins(),
    "_getattr_": safer_getattr,
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
}


def _raise_compile_errors(result, source: str):
    if result.errors or result.code is None:
        raise ScriptCompileError("; ".join(result.errors) or f"cannot compile {source!r}")
    return result.code


@lru_cache(maxsize=4096)
def compile_expression(source: str):
    """Compile a condition or expression; raises ScriptCompileError with RestrictedPython's reasons."""
    try:
        result = compile_restricted_eval(source, "<condition>", policy=BudgetedTransformer)
    except SyntaxError as err:  # RestrictedPython reports most, but not all, as errors
        raise ScriptCompileError(f"syntax error: {err.msg}") from None
    return _raise_compile_errors(result, source)


@lru_cache(maxsize=1024)
def compile_script(source: str):
    try:
        result = compile_restricted_exec(source, "<script>", policy=BudgetedTransformer)
    except SyntaxError as err:
        raise ScriptCompileError(f"syntax error: {err.msg}") from None
    return _raise_compile_errors(result, source)


class _Budget:
    """Sets this thread's CPU deadline for one evaluation (re-entrant)."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    def __enter__(self):
        self.saved = getattr(_budget, "deadline", math.inf)
        _budget.deadline = min(self.saved, time.thread_time() + self.seconds)

    def __exit__(self, *exc):
        _budget.deadline = self.saved


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates BPMN expressions and scripts over task data, restricted and CPU-limited."""

    def __init__(self, cpu_seconds: float = 1.0, environment_globals: dict | None = None):
        super().__init__(environment_globals or {})
        self.cpu_seconds = cpu_seconds

    def _globals(self, context: dict, external_context: dict | None) -> dict:
        g = dict(BASE_GLOBALS)
        g.update(self.globals)
        g.update(external_context or {})
        g.update(context)
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
        try:
            json.dumps(result)
        except (TypeError, ValueError) as err:
            raise ScriptError(f"script left a value that cannot be stored as JSON: {err}") from None
        context.clear()
        context.update(result)
        return True


class RestrictedScriptEngine(PythonScriptEngine):
    def __init__(self, cpu_seconds: float = 1.0):
        super().__init__(environment=RestrictedEnvironment(cpu_seconds))

    def validate(self, expression):
        compile_expression(expression)
