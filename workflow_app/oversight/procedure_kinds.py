"""The kinds of enforcement procedure the supervision counts apart (行政处罚, 行政强制, 行政检查, …):
a package declares its kind on its process (`spiffworkflow:property name="procedureKind"`,
engine/specs.py), deploy keeps it on the version (procedure_version.kind), and the case list, the
inbox and the dashboard filter and count by it. A version that declares none is a penalty
procedure: every procedure deployed before kinds existed was one."""

DEFAULT = "penalty"
# code -> (Chinese, English), in the order the pages list them
KINDS = {
    "penalty": ("行政处罚", "Administrative penalty"),
    "coercion": ("行政强制", "Administrative coercion"),
    "inspection": ("行政检查", "Administrative inspection"),
    "referral": ("线索移送", "Clue referral"),
    "other": ("其他", "Other"),
}


def label(code: str, lang: str) -> str:
    zh, en = KINDS.get(code, (code, code))
    return en if lang == "en" else zh
