"""What an app compiles once per process (workflow_app/startup.py): a rule's URL builder on its
first use, a template once for all the apps of a process - with the same results."""
import jinja2
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from tests.conftest import BASE_CONFIG
from workflow_app import create_app
from workflow_app.startup import TEMPLATE_CODE, LazyBuilderRule


def value_for(converter):
    if isinstance(converter, IntegerConverter):
        return 7
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[-1]
    return "甲 b/c%"


def sample(rule) -> dict:
    return {name: value_for(rule._converters[name]) for name in rule.arguments if name not in (rule.defaults or {})}


def test_every_rule_of_the_app_builds_its_url_as_werkzeug_builds_it():
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite:///:memory:"})
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 150 and all(isinstance(r, LazyBuilderRule) for r in rules)
    for rule in rules:
        values = sample(rule)
        for append_unknown, extra in ((False, {}), (True, {"page": 2, "q": "罚 款&x"})):
            eager = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            built = rule.build({**values, **extra}, append_unknown=append_unknown)
            assert built == eager(**values, **extra), rule.rule
    with app.test_request_context():
        from flask import url_for

        assert url_for("static", filename="app.css", v="1 2") == "/static/app.css?v=1+2"


class Counting(jinja2.Environment):
    compiled = 0

    def compile(self, *args, **kwargs):
        Counting.compiled += 1
        return super().compile(*args, **kwargs)


def test_a_template_is_compiled_once_for_the_apps_of_a_process_and_again_when_it_changes(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("{{ who }}甲", encoding="utf-8")

    def render() -> str:
        env = Counting(loader=jinja2.FileSystemLoader(tmp_path), bytecode_cache=TEMPLATE_CODE)
        return env.get_template("page.html").render(who="乙")

    Counting.compiled = 0
    assert render() == "乙甲" and Counting.compiled == 1
    assert render() == "乙甲" and Counting.compiled == 1  # another environment: the code kept
    page.write_text("{{ who }}丙", encoding="utf-8")
    assert render() == "乙丙" and Counting.compiled == 2
