"""Scripts and conditions run restricted and CPU-limited (SPIFFWORKFLOW.md pitfall 2)."""
import pytest

from workflow_app.engine.errors import ScriptCompileError, ScriptError, ScriptTimeout
from workflow_app.engine.scripting import RestrictedEnvironment

env = RestrictedEnvironment(cpu_seconds=0.3)


def test_conditions_and_scripts_compute_over_task_data():
    assert env.evaluate("fine >= 10000 and party_kind == 'person'", {"fine": 20000, "party_kind": "person"})
    data = {"kinds": ["fine", "revoke_licence"], "fine": 5}
    env.execute("heavy = any(k in ('revoke_licence',) for k in kinds)\ntotal = 0\n"
                "for i in range(3):\n    total += i\nd = {}\nd['x'] = fine * 2", data)
    assert data["heavy"] is True and data["total"] == 3 and data["d"] == {"x": 10}


@pytest.mark.parametrize("source", [
    "__import__('os').system('id')",
    "().__class__.__base__.__subclasses__()",
    "[c for c in ().__class__.__mro__[1].__subclasses__()]",
    "(lambda: 0).__globals__",
    "eval('1')",
    "exec('x = 1')",
])
def test_escapes_are_refused_at_compile_time(source):
    with pytest.raises(ScriptCompileError):
        env.evaluate(source, {})


@pytest.mark.parametrize("source", ["open('/etc/passwd').read()", "getattr((), 'x')", "compile('1', 'f', 'eval')"])
def test_dangerous_builtins_do_not_exist(source):
    with pytest.raises(NameError):
        env.evaluate(source, {})


@pytest.mark.parametrize("script", [
    "while True:\n    pass",
    "def f(n):\n    return 1 if n == 0 else f(n - 1) + f(n - 1)\nx = f(80)",
    "f = lambda n: 1 if n == 0 else f(n - 1) + f(n - 1)\nx = f(80)",
    "x = [i for i in range(10**6) for j in range(10**6)]",
])
def test_runaway_scripts_are_stopped_by_the_cpu_limit(script):
    with pytest.raises(ScriptTimeout):
        env.execute(script, {})


@pytest.mark.parametrize("script", ["x = 10 ** 10 ** 8", "x = [0] * 10 ** 9", "x = 1 << 10 ** 9",
                                    "x = 2\nx **= 10 ** 9", "x = range(10 ** 9)"])
def test_huge_values_are_refused_before_they_are_built(script):
    with pytest.raises(ScriptError):
        env.execute(script, {})


def test_a_script_may_not_leave_unstorable_values():
    with pytest.raises(ScriptError, match="JSON"):
        env.execute("x = set([1, 2])", {})
