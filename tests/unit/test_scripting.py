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


# -- string formatting cannot build a huge value, however it is spelled -------------------------------
@pytest.mark.parametrize("script, message", [
    # %-formatting: widths and precisions in the format, from the values, behind a mapping key
    ("x = '%1000000000d' % 1", "format width"),
    ("x = '%.1000000000f' % 1.0", "format width"),
    ("x = '%*d' % (10**9, 1)", r"\('\*'\)"),
    ("x = '%.*f' % (10**9, 1.0)", r"\('\*'\)"),
    ("x = '%(a)1000000000s' % {'a': 1}", "format width"),
    ("x = '%((a))1000000000s' % {'(a)': 1}", "format width"),
    ("x = '%-01000000000d' % 1", "format width"),
    ("x = '%' + '9' * 5000 + 'd'\ny = x % 1", "format width"),
    # %-formatting that reuses one value in many fields, or fills many fields with large values
    ("x = '%(a)s' * 100000 % {'a': 'y' * 1000}", "too large"),
    ("x = '%(a)s%(a)s' % {'a': 'z' * 700000}", "too large"),
    ("x = '%(a)1000s' * 100000 % {'a': 1}", "too large"),
    ("x = '%s%s' % ('a' * 600000, 'b' * 600000)", "too large"),
    ("l = ['a' * 1000] * 1000\nx = '%s' % (l,)", "too large"),
    ("x = '%s'\nx %= (['b' * 1000] * 1001,)", "too large"),
    # bytes formatting and repetition
    ("x = b'%1000000000d' % 1", "format width"),
    ("x = b'%(a)s' * 100000 % {b'a': b'y' * 1000}", "too large"),
    ("x = b'x' * 10**9", "too large"),
    ("x = 10**9 * b'x'", "too large"),
    # str.format and format(): not reachable at all (format fields could also reach attributes)
    ("x = '{:>1000000000}'.format(1)", "not available"),
    ("x = '{0.__class__}'.format(1)", "not available"),
    ("x = '{a:>1000000000}'.format_map({'a': 1})", "not available"),
    # f-strings: a width from a value, a huge constant width, many padded fields in one f-string
    ("n = 10**9\nx = f'{1:>{n}}'", "constant"),
    ("x = f'{1:>1000000000}'", "format width"),
    ("x = f'" + "{1:999}" * 20 + "'", "together"),
    # padding and tab expansion
    ("x = 'x'.ljust(10**9)", "too large"),
    ("x = 'x'.rjust(10**9)", "too large"),
    ("x = 'x'.center(10**9)", "too large"),
    ("x = 'x'.zfill(10**9)", "too large"),
    ("x = 'x\\t'.expandtabs(10**9)", "not available"),
    # repetition of text, lists and tuples
    ("x = 'x' * 10**9", "too large"),
    ("x = 10**9 * 'x'", "too large"),
    ("x = [0] * 10**9", "too large"),
    ("x = (0,) * 10**9", "too large"),
    ("x = 'ab'\nx *= 10**9", "too large"),
    # the text of a value shared many times: small in memory, a billion characters written
    ("a = [[[1] * 1000] * 1000] * 1000\nx = str(a)", "too large"),
    ("a = [[[1] * 1000] * 1000] * 1000\nx = repr(a)", "too large"),
    ("a = [[[1] * 1000] * 1000] * 1000\nx = f'{a}'", "too large"),
    ("a = [[[1] * 1000] * 1000] * 1000\nx = f'{a!r}'", "too large"),
    ("a = [[[1] * 1000] * 1000] * 1000\ns = str\nx = s(a)", "too large"),
    ("a = {'k': [['v'] * 1000] * 1000}\nx = str([a] * 1000)", "too large"),
])
def test_no_spelling_of_string_formatting_builds_a_huge_value(script, message):
    with pytest.raises((ScriptError, ScriptCompileError, NameError), match=message):
        env.execute(script, {})


def test_format_is_not_a_builtin():
    with pytest.raises(NameError):
        env.execute("x = format(1, '>1000000000')", {})


def test_str_is_still_the_text_type_to_a_script():
    data = {"v": "某公司", "n": 3}
    env.execute("a = isinstance(v, str)\nb = isinstance(n, str)\nc = str(n) + repr(v)\n"
                "d = [str(i) for i in range(3)]\ne = str()\nf = f'{n}-{v!r}'", data)
    assert (data["a"], data["b"], data["c"], data["d"], data["e"], data["f"]) == (
        True, False, "3'某公司'", ["0", "1", "2"], "", "3-'某公司'")


def test_ordinary_formatting_still_runs():
    data = {"fine": 20000, "name": "某公司", "items": ["a", "b"]}
    env.execute("a = '%s罚款%d元' % (name, fine)\nb = '%(name)s：%(fine)08.2f' % {'name': name, 'fine': fine}\n"
                "c = '100%%' % ()\nd = '%s' % items\ne = f'{fine:>10,}|{0.5:.1%}'\nf = '%-5s|' % 'ab'\n"
                "g = '%c%c' % (72, 105)\nh = str(b'%s-%d' % (b'x', 3))", data)
    assert data["a"] == "某公司罚款20000元" and data["b"] == "某公司：20000.00" and data["c"] == "100%"
    assert data["d"] == "['a', 'b']" and data["e"] == "    20,000|50.0%" and data["f"] == "ab   |"
    assert data["g"] == "Hi" and data["h"] == "b'x-3'"


# -- a script leaves only values the case can store and load again -----------------------------------
@pytest.mark.parametrize("script, message", [
    ("x = float('nan')", "not a JSON number"),
    ("x = float('inf')", "not a JSON number"),
    ("x = -float('inf')", "not a JSON number"),
    ("x = {1: 'a'}", "key that is not text"),
    ("x = {'typename': 'datetime', 'value': 'x'}", "reserves"),
    ("x = 2 ** 64", "whole number beyond"),
    ("x = b'bytes'", "bytes"),
    ("x = range(3)", "range"),
    ("x = []\nfor i in range(40):\n    x = [x]", "levels deep"),
    ("x = chr(0xd800)", "JSON"),
    # small in memory, a billion values in JSON: counted as written, not written to find out
    ("x = [[['v'] * 1000] * 1000] * 1000", "more than"),
    ("a = {'k': [1] * 1000}\nx = [[a] * 1000] * 1000", "more than"),
])
def test_a_script_may_leave_only_plain_json(script, message):
    with pytest.raises(ScriptError, match=message):
        env.execute(script, {})


# -- a timer's time from the case's data (add_days, add_hours) -----------------------------------------
@pytest.mark.parametrize("expression, expected", [
    ("add_days(seized_at, 25)", "2026-03-26T10:30:00+08:00"),
    ("add_days(day, -1)", "2026-02-28"),
    ("add_hours(seized_at, 24)", "2026-03-02T10:30:00+08:00"),
    ("add_days(add_hours(seized_at, 14), 1)", "2026-03-03T00:30:00+08:00"),
])
def test_a_script_moves_a_recorded_date_or_time_as_text(expression, expected):
    data = {"seized_at": "2026-03-01T10:30:00+08:00", "day": "2026-03-01"}
    assert env.evaluate(expression, data) == expected


@pytest.mark.parametrize("expression, message", [
    ("add_days(seized_at, 10 ** 9)", "whole number up to"),
    ("add_days(seized_at, 1.5)", "whole number up to"),
    ("add_days(seized_at, True)", "whole number up to"),
    ("add_days(12, 1)", "as text"),
    ("add_days('yesterday', 1)", "not 'yesterday'"),
    ("add_hours(day, 3)", "whole days"),
    ("add_days('9999-12-31', 1)", "out of the calendar"),
])
def test_a_date_moved_wrongly_is_the_scripts_error(expression, message):
    with pytest.raises(ScriptError, match=message):
        env.evaluate(expression, {"seized_at": "2026-03-01T10:30:00+08:00", "day": "2026-03-01"})
