"""The direction of imports between the service packages (docs/architecture.md "Services by
domain"): a package imports only the packages below it, so the domain's core (the audit trail,
people) never depends on the use cases built on it. The imports that still run upwards are listed
with why; the list may only shrink: a new one fails here, and one removed must leave the list."""
import ast
from pathlib import Path

from tests.conftest import ROOT

SERVICES = ROOT / "workflow_app" / "services"
# highest first; procedures and oversight are one level (deploy checks read alerts' codes, alerts
# read the procedure's declarations)
LAYERS = [("inspections",), ("cases",), ("procedures", "oversight"), ("registers",), ("evidence",), ("people",),
          ("audit",), ("root",)]
LEVEL = {name: i for i, names in enumerate(LAYERS) for name in names}

# (importing file, imported package): why it still runs upwards
UPWARDS = {
    ("audit/verify.py", "evidence"): "verify re-hashes the evidence files through the store it reads them with",
    ("cases/record.py", "inspections"): "an inspection case's rules read the department's plans and earlier visits",
    ("evidence/attachments.py", "procedures"): "a signature field is found by its mark in the case's procedure's forms",
    ("oversight/alerts.py", "cases"): "an alert raised by a step reads the case's record and its milestone anchors",
    ("oversight/dashboard.py", "cases"): "the dashboard counts time left by the worklists' own buckets",
    ("people/parties.py", "procedures"): "a party's cases name their procedures' penalty fields",
    ("people/parties.py", "registers"): "a party's earlier penalties are judged by cause",
    ("procedures/versions.py", "cases"): "deploy checks a form's prefill sources with the prefill's own reader",
    ("procedures/draft_forms.py", "cases"): "the form editor checks prefill sources as typed, with the deploy's own reader",
    ("registers/causes.py", "cases"): "the cause a case chose is read from its completed steps",
    ("registers/penalty_lists.py", "cases"): "a first violation is judged on the party's completed steps",
}


def _package(path: Path) -> str:
    parts = path.relative_to(SERVICES).parts
    return parts[0] if len(parts) > 1 else "root"


def upward_imports() -> set[tuple[str, str]]:
    found = set()
    for path in SERVICES.rglob("*.py"):
        here = _package(path)
        module = path.relative_to(ROOT).with_suffix("").parts
        package = module if path.name == "__init__.py" else module[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.level:
                continue
            target = list(package[: len(package) - (node.level - 1)]) + (node.module.split(".") if node.module else [])
            if target[:2] != ["workflow_app", "services"]:
                continue
            there = target[2] if len(target) > 2 and target[2] in LEVEL else "root"
            if LEVEL[there] < LEVEL[here]:
                found.add((path.relative_to(SERVICES).as_posix(), there))
    return found


def test_every_service_module_is_in_a_package_of_a_layer():
    flat = sorted(p.name for p in SERVICES.glob("*.py"))
    assert flat == ["errors.py", "idempotency.py", "paging.py", "transactions.py"]
    assert {p.name for p in SERVICES.iterdir() if p.is_dir() and p.name != "__pycache__"} == set(LEVEL) - {"root"}


def test_imports_run_down_the_layers_but_for_the_listed_ones():
    assert upward_imports() == set(UPWARDS)
