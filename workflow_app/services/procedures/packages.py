"""Procedure packages: a procedure's files under one name (ARCHITECTURE.md "Procedure packages").

The layout is the repository's own, and a deploy archive (.zip) has it at its top level, as
Camunda's and Flowable's deployment archives hold their resources:

    bpmn/<id>/<id>.bpmn           the procedure's own process (its id is the package's name)
    bpmn/<id>/*.bpmn              other processes it calls
    bpmn/<id>/*.dmn               its decision tables, which its business rule tasks evaluate
                                  (engine/decisions.py), e.g. a discretion benchmark's
    bpmn/<id>/rules.json          its rule bindings (oversight/bindings.py)
    bpmn/<id>/documents/*.docx    its Word templates, listed in documents/documents.json
                                  (document_manifest.py)
    forms/<id>/*.schema.json      its forms, one JSON Schema per form key
    bpmn/shared/*.bpmn            subprocesses several procedures call (hearing, service, …)
    bpmn/shared/documents/*.docx  Word templates several procedures print
    forms/shared/*.schema.json    forms several procedures use

A package carries every shared file; deploy keeps those its procedure uses (the processes it
calls, its forms and templates). Reading never trusts the input: an archive's paths, sizes,
entry count and compression ratio are checked before anything is unpacked, and a problem names
the file.
"""
import io
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import Invalid, tr

SHARED = "shared"
FORM_SUFFIX = ".schema.json"
RULES_FILE = "rules.json"
DOCUMENTS = "documents"
DMN_SUFFIX = ".dmn"
# A package's name is a BPMN process id used in paths: letters, digits and underscores.
PACKAGE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$")
MAX_FILES = 500
MAX_TOTAL_BYTES = 64 * 1024 * 1024
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed: beyond it, an archive is a bomb, not a package
ALLOWED_SUFFIXES = (".bpmn", DMN_SUFFIX, FORM_SUFFIX, ".json", ".docx")


@dataclass
class Package:
    """One procedure's files by their path in the layout (`bpmn/<id>/<id>.bpmn`, …)."""

    procedure_id: str
    files: dict[str, bytes] = field(default_factory=dict)
    single_file: bool = False  # a BPMN file deployed alone: its process id need not be the package's name

    @property
    def main_path(self) -> str:
        return f"bpmn/{self.procedure_id}/{self.procedure_id}.bpmn"

    def own(self, path: str) -> bool:
        return path.startswith((f"bpmn/{self.procedure_id}/", f"forms/{self.procedure_id}/"))

    def bpmn_files(self) -> dict[str, bytes]:
        """The BPMN files, the procedure's own process first, then its folder's, then shared."""
        main = {self.main_path: self.files[self.main_path]} if self.main_path in self.files else {}
        rest = {p: d for p, d in sorted(self.files.items()) if p.endswith(".bpmn") and p != self.main_path}
        return {**main, **dict(sorted(rest.items(), key=lambda item: not self.own(item[0])))}

    def dmn_files(self) -> dict[str, bytes]:
        """Its decision tables: the .dmn files of its own folder bpmn/<id>/, by path."""
        prefix = f"bpmn/{self.procedure_id}/"
        return {p: d for p, d in sorted(self.files.items())
                if p.startswith(prefix) and p.endswith(DMN_SUFFIX) and "/" not in p[len(prefix):]}

    def misplaced_dmn_files(self) -> list[str]:
        """The package's own .dmn files elsewhere than bpmn/<id>/ (not read as decision tables)."""
        tables = self.dmn_files()
        return [p for p in sorted(self.files) if p.endswith(DMN_SUFFIX) and self.own(p) and p not in tables]

    def form_files(self) -> dict[str, bytes]:
        """The forms by path: the package's own, then the shared ones."""
        forms = {p: d for p, d in self.files.items() if p.endswith(FORM_SUFFIX)}
        return dict(sorted(forms.items(), key=lambda item: (not self.own(item[0]), item[0])))

    @property
    def rules_path(self) -> str:
        return f"bpmn/{self.procedure_id}/{RULES_FILE}"

    def documents(self) -> dict[str, bytes]:
        prefix = f"bpmn/{self.procedure_id}/{DOCUMENTS}/"
        return {p: d for p, d in sorted(self.files.items()) if p.startswith(prefix)}


def package_invalid(message) -> Invalid:
    """A package that cannot be deployed: the message belongs to the upload (`file`)."""
    return Invalid({"file": [message]}, tr("the package cannot be deployed"), code="package_invalid")


def form_key(path: str) -> str:
    return PurePosixPath(path).name[: -len(FORM_SUFFIX)]


def packages_in(layout: dict[str, bytes]) -> list[Package]:
    """Every package of a layout (path -> bytes): one per folder bpmn/<id>/ other than shared,
    each with the shared files."""
    names = sorted({parts[1] for parts in (p.split("/") for p in layout)
                    if len(parts) >= 3 and parts[0] == "bpmn" and parts[1] != SHARED})
    bad = [n for n in names if not PACKAGE_NAME.match(n)]
    if bad:
        raise package_invalid(tr("%(name)s is not a package name (a BPMN process id: letters, digits, _ - .)",
                                 name=repr(bad[0])))
    if not names:
        raise package_invalid(tr("no package: expected files under bpmn/<procedure id>/ (and forms/<procedure id>/)"))
    shared = {p: d for p, d in layout.items() if p.startswith((f"bpmn/{SHARED}/", f"forms/{SHARED}/"))}
    return [Package(name, {**{p: d for p, d in layout.items()
                              if p.startswith((f"bpmn/{name}/", f"forms/{name}/"))}, **shared})
            for name in names]


def read_tree(root: Path) -> dict[str, bytes]:
    """The layout of a folder holding bpmn/ and forms/ (the repository, an unpacked archive)."""
    return read_tree_parts(root / "bpmn", root / "forms")


def read_tree_parts(bpmn_dir, forms_dir) -> dict[str, bytes]:
    """The layout of a bpmn/ and a forms/ folder (the configured BPMN_DIR and FORMS_DIR)."""
    layout = {}
    for top, base in (("bpmn", Path(bpmn_dir)), ("forms", Path(forms_dir))):
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.name.startswith((".", "~$")):
                rel = f"{top}/{path.relative_to(base).as_posix()}"
                if rel.endswith(ALLOWED_SUFFIXES):
                    layout[rel] = path.read_bytes()
    return layout


def packages_in_or_none(layout: dict[str, bytes]) -> list[Package]:
    """`packages_in`, or none where the layout holds no package."""
    try:
        return packages_in(layout)
    except Invalid:
        return []


def with_all_forms(procedure_id: str, layout: dict[str, bytes]) -> Package:
    """A package of no files of its own but every form of the layout, as shared forms (a BPMN
    file deployed alone, for a procedure the repository has no package of). A key found in
    several folders is taken from the first by path."""
    forms = {}
    for path, content in sorted(layout.items()):
        if path.startswith("forms/") and path.endswith(FORM_SUFFIX):
            forms.setdefault(f"forms/{SHARED}/{form_key(path)}{FORM_SUFFIX}", content)
    return Package(procedure_id, forms)


def read_folder(path: Path) -> list[Package]:
    """The packages a folder names: a layout root (it holds bpmn/), or one package's folder
    bpmn/<id> of a layout (its forms/<id> and the shared files come from the same root)."""
    path = path.resolve()
    if (path / "bpmn").is_dir():
        return packages_in(read_tree(path))
    if path.parent.name == "bpmn" and path.name != SHARED:
        root = path.parent.parent
        layout = read_tree(root)
        return [p for p in packages_in(layout) if p.procedure_id == path.name]
    raise package_invalid(tr("%(path)s is neither a package folder (bpmn/<procedure id>) nor a folder holding "
                             "bpmn/ and forms/", path=str(path)))


def read_zip(data: bytes) -> dict[str, bytes]:
    """The layout inside a deploy archive, read with its paths, sizes and ratios checked first."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as err:
        raise package_invalid(tr("not a readable .zip archive (%(reason)s)", reason=str(err)[:200])) from None
    files = [e for e in entries if not e.is_dir()]
    if len(files) > MAX_FILES:
        raise package_invalid(tr("the archive holds %(count)d files; the limit is %(limit)d", count=len(files),
                                 limit=MAX_FILES))
    total = sum(e.file_size for e in files)
    if total > MAX_TOTAL_BYTES:
        raise package_invalid(tr("the archive unpacks to %(size)d bytes; the limit is %(limit)d", size=total,
                                 limit=MAX_TOTAL_BYTES))
    layout = {}
    for entry in files:
        name = entry.filename
        parts = PurePosixPath(name).parts
        escapes = name.startswith("/") or ".." in parts
        in_layout = bool(parts) and parts[0] in ("bpmn", "forms")
        if escapes or in_layout and ("\\" in name or "\x00" in name or ":" in name):
            raise package_invalid(tr("the archive's path %(path)s is not allowed (paths are relative, under bpmn/ or "
                                     "forms/)", path=repr(name[:200])))
        if not in_layout:
            continue  # a README, __MACOSX/…: not part of any package
        if stat.S_ISLNK(entry.external_attr >> 16):
            raise package_invalid(tr("the archive's entry %(path)s is a symbolic link", path=repr(name[:200])))
        if parts[-1].startswith((".", "~$")) or not name.endswith(ALLOWED_SUFFIXES):
            continue  # editor leftovers (.DS_Store, ~$decision.docx) and other files
        if entry.file_size > MAX_FILE_BYTES:
            raise package_invalid(tr("%(path)s is %(size)d bytes; the limit is %(limit)d", path=name,
                                     size=entry.file_size, limit=MAX_FILE_BYTES))
        if entry.compress_size and entry.file_size / entry.compress_size > MAX_RATIO:
            raise package_invalid(tr("%(path)s is compressed %(ratio)d to 1; such an archive is refused",
                                     path=name, ratio=entry.file_size // entry.compress_size))
        if name in layout:
            raise package_invalid(tr("the archive holds %(path)s twice", path=name))
        try:
            with archive.open(entry) as member:
                content = member.read(MAX_FILE_BYTES + 1)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as err:
            raise package_invalid(tr("%(path)s cannot be read from the archive (%(reason)s)", path=name,
                                     reason=str(err)[:200])) from None
        if len(content) != entry.file_size:
            raise package_invalid(tr("%(path)s is not the size the archive says", path=name))
        layout[name] = content
    return layout


def is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def to_zip(files: dict[str, bytes]) -> bytes:
    """A deploy archive of these files (a version's package, to download and deploy again)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in sorted(files.items()):
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))  # the same bytes for the same files
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return out.getvalue()
