"""What an app costs to make, paid once per process rather than once per app.

The web server makes one app, but a test makes one per test and a CLI command one per command, so
two costs that Flask and Werkzeug pay per app were most of `create_app` and of a test's set-up:

* Werkzeug compiles two URL builder functions for each rule as it is added (Python generated and
  passed to `compile`): about 30 of create_app's 54 ms for our ~200 rules, though a process
  builds the URLs of a few rules only. `LazyBuilderRule` compiles a rule's builder on its first
  use; building a URL gives the same result.
* Jinja compiles each template again for each app's environment. `TEMPLATE_CODE`, an in-memory
  bytecode cache shared by the apps of a process, keeps the compiled code by template name and
  source checksum (a changed template is compiled again: Jinja compares the source). Compiled
  code is only valid for the settings it was compiled with: every app of the process is a
  ZhifaFlask with the same Jinja options and the same filters (web/templating.py), and no other
  environment uses this cache.
"""
import jinja2
from werkzeug.routing import Rule


class LazyBuilderRule(Rule):
    def _compile_builder(self, append_unknown: bool = True):
        compiled = None

        def build(rule, *args, **values):
            nonlocal compiled
            if compiled is None:
                compiled = Rule._compile_builder(rule, append_unknown)
            return compiled(rule, *args, **values)

        return build


class _TemplateCode(jinja2.BytecodeCache):
    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self._code.clear()


TEMPLATE_CODE = _TemplateCode()
