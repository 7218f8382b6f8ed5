"""Output folders (`export`, `demo` and `generate --out`): never lose what we did not write.

A run writes into a hidden sibling `.<name>.partial-<hex>` (holding a `.wedsync-partial`
note with its host and process id) and renames it into place when complete. An existing
folder is replaced only when it is exactly an earlier output of ours: its
`.wedsync-output` list (written at install) names every file and folder in it. Exports
written before that list existed are recognised by their `manifest.json`, and folders
of `generate --out --part` runs by their part manifests. Anything else is refused, in one
line, before any work starts. Leftover partial folders of killed runs in the same parent
are removed by the next run (or reported when they are not provably dead and ours).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from wedsync_analytics.errors import UserError

OUTPUT_LIST = ".wedsync-output"
PARTIAL_NOTE = ".wedsync-partial"
PARTIAL_INFIX = ".partial-"
WRITTEN_BY = "wedsync-analytics"

Notice = Callable[[str], None]


def _stderr(message: str) -> None:
    print(f"wedsync-analytics: note: {message}", file=sys.stderr)


def _entries(folder: Path) -> set[str]:
    """Every file, folder and link under `folder`, relative, without following links."""
    found: set[str] = set()
    for root, dirs, files in os.walk(folder):
        base = Path(root).relative_to(folder)
        for name in dirs + files:
            found.add((base / name).as_posix())
    return found


def _with_parents(paths: set[str]) -> set[str]:
    full = set(paths)
    for path in paths:
        full.update(p.as_posix() for p in Path(path).parents if p.as_posix() != ".")
    return full


def _listed(folder: Path) -> set[str] | None:
    """What an earlier output of ours in `folder` consists of; None if it is not ours."""
    try:
        own = folder / OUTPUT_LIST
        if own.is_file():
            data = json.loads(own.read_text(encoding="utf-8"))
            if data.get("written_by") == WRITTEN_BY and isinstance(data.get("entries"), list):
                return {str(e) for e in data["entries"]} | {OUTPUT_LIST}
            return None
        manifest = folder / "manifest.json"
        if manifest.is_file():  # an export written before `.wedsync-output` existed
            data = json.loads(manifest.read_text(encoding="utf-8"))
            if str(data.get("format", "")).startswith("wedsync-export/"):
                files = {str(f["path"]) for t in data["tables"].values() for f in t["files"]}
                return _with_parents(files) | {"manifest.json"}
            return None
        from wedsync_analytics.generate.parts import is_our_part

        present = list(folder.iterdir())
        if present and all(is_our_part(p) for p in present):  # parts of `generate --part`
            return _entries(folder)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return None


def not_ours(folder: Path) -> str | None:
    """Why `folder` may not be replaced (None: missing, empty, or exactly an earlier output)."""
    if not folder.exists() and not folder.is_symlink():
        return None
    if folder.is_symlink() or not folder.is_dir():
        return "it exists and is not a folder"
    present = _entries(folder) - {PARTIAL_NOTE}
    if not present:
        return None
    listed = _listed(folder)
    extra = sorted(present - (listed or set()))
    if not extra:
        return None
    more = f" and {len(extra) - 1} more" if len(extra) > 1 else ""
    why = "" if listed is not None else " (it is not an output of ours: no list of its files)"
    return f"it holds {extra[0]}{more}, which wedsync-analytics did not write{why}"


def check_output_dir(out: str | Path, option: str = "--out") -> Path:
    """The resolved folder, after checking it may be written; one-line UserError if not."""
    path = Path(out).expanduser().absolute()
    path = path.parent.resolve() / path.name if path.name else path.resolve()
    if path.parent == path or not path.name:
        raise UserError(f"{option} {out}: cannot replace the root folder; choose a new folder")
    cwd = Path.cwd().resolve()
    if path == cwd or path in cwd.parents:
        raise UserError(
            f"{option} {out}: is the current folder or one of its parents; choose a new folder"
        )
    reason = not_ours(path)
    if reason:
        raise UserError(
            f"{option} {path}: not replaced, {reason}; choose a new folder "
            "or an earlier output of wedsync-analytics"
        )
    _check_parent(path, option)
    return path


def _check_parent(path: Path, option: str) -> None:
    existing = path.parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UserError(f"{option} {path}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UserError(f"{option} {path}: no permission to write in {existing}")


def check_output_file(out: str | Path, option: str = "--json") -> Path:
    """Check that a report file can be written (its folder exists and is writable)."""
    path = Path(out).expanduser().absolute()
    if path.is_dir():
        raise UserError(f"{option} {out}: is a folder; give a file name")
    if not path.parent.is_dir():
        raise UserError(f"{option} {out}: folder {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK | os.X_OK) or (
        path.exists() and not os.access(path, os.W_OK)
    ):
        raise UserError(f"{option} {out}: no permission to write it")
    return path


def _alive(note: dict[str, object]) -> bool | None:
    """Whether the process that wrote a partial note runs (None: on another host, unknown)."""
    if note.get("host") != socket.gethostname():
        return None
    try:
        os.kill(int(str(note.get("pid"))), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        return True
    return True


def sweep_partials(out: Path, notice: Notice = _stderr) -> None:
    """Remove partial folders of dead runs next to `out`; report those left alone."""
    if not out.parent.is_dir():
        return
    for leftover in sorted(out.parent.glob(f".*{PARTIAL_INFIX}*")):
        if not leftover.is_dir() or leftover.is_symlink():
            continue
        try:
            note = json.loads((leftover / PARTIAL_NOTE).read_text(encoding="utf-8"))
            alive = _alive(note) if isinstance(note, dict) else None
        except (OSError, ValueError):
            alive = None
        if alive is False:
            shutil.rmtree(leftover, ignore_errors=True)
            notice(f"removed {leftover}, left by an interrupted run")
        elif alive is None:
            notice(f"left alone {leftover}: not provably from a finished run of ours; remove it")


def _note(folder: Path) -> None:
    note = {"host": socket.gethostname(), "pid": os.getpid(), "written_by": WRITTEN_BY}
    (folder / PARTIAL_NOTE).write_text(json.dumps(note) + "\n", encoding="utf-8")


def _install(tmp: Path, out: Path, option: str) -> None:
    """Rename `tmp` into place. Its note stays until the rename, so that a run killed on the
    way leaves a partial folder the next run can prove dead and remove."""
    entries = sorted(_entries(tmp) - {PARTIAL_NOTE})
    listing = {"written_by": WRITTEN_BY, "entries": entries}
    (tmp / OUTPUT_LIST).write_text(json.dumps(listing, indent=1) + "\n", encoding="utf-8")
    reason = not_ours(out)  # checked again: the folder may have changed during the run
    if reason:
        raise UserError(f"{option} {out}: not replaced, {reason}; the output was not installed")
    if out.exists():
        old = out.with_name(f".{out.name}{PARTIAL_INFIX}{uuid.uuid4().hex[:8]}")
        _note(out)
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(out)
    (out / PARTIAL_NOTE).unlink()


def is_no_space(exc: BaseException) -> bool:
    """Whether `exc` says the disk is full (OSError, or an engine's error carrying its text)."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    text = str(exc)
    return "No space left on device" in text or "os error 28" in text


def no_space(exc: BaseException, out: Path) -> UserError:
    """The one line for a full disk: where, and that nothing was replaced."""
    where = getattr(exc, "filename", None) or out
    return UserError(
        f"no space left on device while writing {where}; nothing was written to {out} "
        f"(free space on the file system of {out.parent}, or choose another --out)"
    )


@contextmanager
def staged_output(
    out: str | Path, option: str = "--out", notice: Notice = _stderr
) -> Iterator[Path]:
    """Yield a fresh partial folder; on success it replaces `out`, on failure it is removed."""
    target = check_output_dir(out, option)
    sweep_partials(target, notice)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}{PARTIAL_INFIX}{uuid.uuid4().hex[:8]}")
    try:
        tmp.mkdir()
        _note(tmp)
        yield tmp
        _install(tmp, target, option)
    except Exception as exc:
        if is_no_space(exc):
            raise no_space(exc, target) from exc
        raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
