"""Where evidence files live: once each, by the SHA-256 of their bytes, never rewritten.

The store is a directory (EVIDENCE_DIR, default the instance folder's `evidence/`; a directory
several hosts share works the same, as every write is a new name made atomically). A file is kept at
`sha256/ab/cd/<hash>`, read-only. An upload is streamed into a temporary file of the store's own
`incoming/` while it is hashed, then linked to its name: a file already there is never replaced
(the same bytes uploaded again are the same file), and a crash leaves at most a temporary file,
never a half-written evidence file under a hash.

The bytes are written before the database transaction that records them commits: a transaction
that then rolls back leaves a file no row names, which is harmless (content-addressed, never
served without a row) and is the price of never holding a 200 MB upload in memory.
"""
import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app

CHUNK = 1024 * 1024
SNIFF_BYTES = 8192  # enough for every signature filetype reads (and the zip-based office formats' names)


class TooLarge(Exception):
    """The stream is longer than the store was told to accept."""


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    head: bytes  # the first bytes, for sniffing the type


def root() -> Path:
    return Path(current_app.config.get("EVIDENCE_DIR") or Path(current_app.instance_path) / "evidence")


def path_of(sha256: str) -> Path:
    return root() / "sha256" / sha256[:2] / sha256[2:4] / sha256


def put(stream: BinaryIO, max_bytes: int) -> Stored:
    """Keep the stream's bytes: hashed while copied, then linked under their hash unless a file
    of that hash is already kept. Raises TooLarge (nothing kept) past `max_bytes`."""
    incoming = root() / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    temporary = incoming / f"{uuid.uuid4().hex}.part"
    digest, size, head = hashlib.sha256(), 0, b""
    try:
        with open(temporary, "xb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge()
                if len(head) < SNIFF_BYTES:
                    head += chunk[:SNIFF_BYTES - len(head)]
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        final = path_of(sha)
        if not final.exists():
            final.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(temporary, 0o444)
            try:
                os.link(temporary, final)  # atomic; never replaces a file of the same name
            except FileExistsError:
                pass  # the same bytes kept meanwhile by another upload
        return Stored(sha, size, head)
    finally:
        temporary.unlink(missing_ok=True)


def open_kept(sha256: str) -> BinaryIO:
    return open(path_of(sha256), "rb")


def problem(sha256: str, size: int) -> str | None:
    """Why the kept file is not the one recorded ("missing", "changed"), or None: it must exist,
    be as long as recorded and hash to its name. Streams the file: a 200 MB video is fine."""
    path = path_of(sha256)
    try:
        with open(path, "rb") as f:
            digest, length = hashlib.sha256(), 0
            while chunk := f.read(CHUNK):
                digest.update(chunk)
                length += len(chunk)
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "unreadable"
    return None if (length == size and digest.hexdigest() == sha256) else "changed"


def size_problem(sha256: str, size: int, store: str | None = None) -> str | None:
    """Why the kept file cannot be the one recorded, from its directory entry alone ("missing",
    "resized"), or None: what a page can check on every view without reading the bytes (problem()
    re-hashes them). `store`: root() as a string, when the caller checks many files."""
    store = store or str(root())
    try:
        length = os.stat(os.path.join(store, "sha256", sha256[:2], sha256[2:4], sha256)).st_size
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "unreadable"
    return None if length == size else "resized"
