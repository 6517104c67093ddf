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


@pytest.mark.parametrize("script", [
    "x = 'ab' * 1000\nfor i in range(40):\n    x = x + x",
    "x = [0] * 1000\nfor i in range(40):\n    x += x",
    "x = ','.join(['a' * 1000] * 2000)",
    "x = ('a' * 1000).replace('a', 'b' * 2000)",
    "x = 'a'.ljust(10 ** 9)",
    "x = '%1000000000d' % 1",
    "x = [0] * 1000\nfor i in range(40):\n    x.extend(x)",
    "x = sum([[0] * 1000] * 2000, [])",
])
def test_values_built_in_one_step_are_capped(script):
    with pytest.raises(ScriptError, match="too large|CPU time"):  # whichever limit is hit first
        env.execute(script, {})


def test_a_script_that_allocates_without_end_is_stopped():
    with pytest.raises(ScriptError, match="memory"):
        RestrictedEnvironment(cpu_seconds=30).execute(
            "x = []\nfor i in range(100000):\n    x.append(('a' * 500000) + str(i))", {})


@pytest.mark.parametrize("script, message", [
    ("x = f'{1:>1000000000}'", "format width"),
    ("w = 5\nx = f'{1:>{w}}'", "constant"),
])
def test_f_string_format_specs_are_small_constants(script, message):
    with pytest.raises(ScriptCompileError, match=message):
        env.execute(script, {})


@pytest.mark.parametrize("script", ["x = '{}'.format(1)", "x = (1).to_bytes(10, 'big')", "x = 'a'.encode()",
                                    "x = [].__len__()"])
def test_only_plain_methods_are_reachable(script):
    with pytest.raises((ScriptError, ScriptCompileError)):
        env.execute(script, {})


def test_ordinary_string_and_list_work_still_runs():
    data = {"names": ["张三", "李四"], "text": " 罚款 "}
    env.execute("joined = '、'.join(names)\nclean = text.strip()\nfixed = clean.replace('罚款', '罚款20000元')\n"
                "padded = 'A'.zfill(3)\nlabel = f'{len(names):>3}人'\ntotal = sum([1, 2, 3])\n"
                "pct = '%.2f' % 0.5\nitems = []\nitems.extend(names)\nd = {'a': 1}\nv = d.get('a')", data)
    assert data["joined"] == "张三、李四" and data["fixed"] == "罚款20000元" and data["padded"] == "00A"
    assert data["label"] == "  2人" and data["total"] == 6 and data["pct"] == "0.50" and data["items"] == data["names"]


@pytest.mark.parametrize("key", ["_getiter_", "_getattr_", "_pow_", "_tick_", "__builtins__", "_write_"])
def test_task_data_cannot_replace_a_guard_of_the_sandbox(key):
    """A data key named like a guard would otherwise switch the guard off for the script."""
    data = {key: lambda *a, **k: None, "items": [1, 2, 3]}
    env.execute("total = 0\nfor i in items:\n    total += i\nbig = 2 ** 10", data)
    assert data["total"] == 6 and data["big"] == 1024
    with pytest.raises(ScriptError, match="too large"):
        env.execute("x = 7 ** 10000000", {key: lambda *a, **k: 1})


def test_the_builtin_pow_is_guarded_like_the_operator():
    assert env.evaluate("pow(2, 10) + pow(7, 10**7, 13)", {}) == 1024 + pow(7, 10**7, 13)
    with pytest.raises(ScriptError, match="too large"):
        env.evaluate("pow(7, 10**7)", {})
