"""The generated parts of docs/guide.md: every command's help and a short session's real output.

`python -m wedsync_analytics.docs_gen docs/guide.md` rewrites each block between
`<!-- generated: NAME -->` and `<!-- end generated -->` (NAME: `help` or `session`) with
what the CLI prints now; `--check` only says whether the file is stale (exit 1).
The session runs the real CLI in subprocesses, in a scratch folder, against a fresh
database (`--dsn`, else a scratch database on the embedded server, dropped at the end),
at the tiny scale; wall-clock times, rates and timestamps are masked so the text is stable.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import typer.main
from typer._click import Command
from typer.core import TyperGroup as Group
from typer.testing import CliRunner

from wedsync_analytics.cli.main import app

PROG = "wedsync-analytics"
REGENERATE = "`make docs` (or `.venv/bin/python -m wedsync_analytics.docs_gen docs/guide.md`)"
BLOCK = re.compile(r"(<!-- generated: (\w+) -->\n)(.*?)(<!-- end generated -->)", re.S)
WIDTH = "100"  # terminal columns of every captured output


def command_paths() -> list[tuple[str, ...]]:
    """Every command and group of the CLI as a path of names, the root `()` first."""
    paths: list[tuple[str, ...]] = []

    def walk(command: Command, path: tuple[str, ...]) -> None:
        paths.append(path)
        if isinstance(command, Group):
            for name in sorted(command.commands):
                walk(command.commands[name], (*path, name))

    walk(typer.main.get_command(app), ())
    return paths


def command_at(path: tuple[str, ...]) -> Command:
    """The Click command at `path`."""
    command = typer.main.get_command(app)
    for name in path:
        assert isinstance(command, Group)
        command = command.commands[name]
    return command


def long_options(path: tuple[str, ...]) -> list[str]:
    """The `--long` option names of the command at `path` (both names of a flag pair)."""
    names = {"--help"} | {
        opt
        for param in command_at(path).params
        for opt in (*param.opts, *param.secondary_opts)
        if opt.startswith("--")
    }
    return sorted(names)


def help_text(path: tuple[str, ...], flag: str = "--help") -> str:
    """What `wedsync-analytics PATH --help` prints, at a fixed terminal width."""
    done = CliRunner().invoke(app, [*path, flag], prog_name=PROG, env={"COLUMNS": WIDTH})
    if done.exit_code != 0:
        raise RuntimeError(f"{PROG} {' '.join(path)} {flag} failed: {done.output}")
    return done.output


def help_markdown() -> str:
    """One section per command: its `--help`, as printed."""
    parts = []
    for path in command_paths():
        name = " ".join((PROG, *path))
        parts.append(f"### `{name}`\n\n```text\n{help_text(path).rstrip()}\n```\n")
    return "\n".join(parts)


Mask = Callable[[str], str]


def _sub(pattern: str, replacement: str) -> Mask:
    compiled = re.compile(pattern, re.M)
    return lambda text: compiled.sub(replacement, text)


ISO_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)"
MASK_APPLIED_AT = _sub(rf"applied  {ISO_TIME}", "applied  <applied at>")
MASK_SNAPSHOT = _sub(rf"\(snapshot {ISO_TIME}\)", "(snapshot <time>)")
MASK_RATE = _sub(r" +\d+\.\d+s +[\d,]+ rows/s$", "  <seconds> <rows/s>")
MASK_SECONDS = _sub(r"\b\d\.\d{3}s\b", "#.###s")  # same width: tables keep their layout
# Float noise between engines (summation order varies with threads); exact zeros are kept.
MASK_NOISE = _sub(r"\b[1-9]\.\de-\d\d\b", "#.#e-##")
MASK_BYTES = _sub(r"[\d,]+ bytes", "<bytes> bytes")  # the load history's times vary in size


@dataclass(frozen=True)
class Example:
    """One command of the session: its arguments, what is masked, what is shown."""

    args: tuple[str, ...]
    masks: tuple[Mask, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    shown: bool = True  # False: run for its effect, its output replaced by `note`
    note: str = ""


EXAMPLE_HOME = "/home/analyst/.local/share/wedsync-analytics"
SESSION = (
    Example(("--version",)),
    Example(
        ("db", "url"), env={"WEDSYNC_DSN": "", "WEDSYNC_HOME": EXAMPLE_HOME, "WEDSYNC_PG_PORT": ""}
    ),
    Example(("generate", "--scale", "tiny", "--seed", "7", "--dry-run")),
    Example(("migrate",), shown=False, note="(applies every migration to the fresh database)"),
    Example(("migrate", "--list"), (MASK_APPLIED_AT,)),
    Example(
        ("generate", "--scale", "tiny", "--seed", "7"),
        shown=False,
        note="(the rows of the dry run above, with seconds and rows/s per table)",
    ),
    Example(("export", "--out", "out/tiny"), (MASK_RATE, MASK_SNAPSHOT)),
    Example(("verify", "--data", "out/tiny"), (MASK_BYTES,)),
    Example(("validate", "--data", "out/tiny"), (MASK_SECONDS, MASK_NOISE)),
)


def _run(example: Example, cwd: Path, dsn: str) -> str:
    # The child's environment: ours, with the session's database and terminal width set.
    wanted = {"COLUMNS": WIDTH, "WEDSYNC_DSN": dsn, **example.env}
    env = {k: v for k, v in {**os.environ, **wanted}.items() if v != ""}
    done = subprocess.run(
        [sys.executable, "-m", "wedsync_analytics", *example.args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{PROG} {' '.join(example.args)} failed: {done.stderr.strip()}")
    text = done.stdout
    for mask in example.masks:
        text = mask(text)
    return text


def session_markdown(dsn: str) -> str:
    """The session's commands, each with its output, as one console block."""
    lines = []
    with tempfile.TemporaryDirectory(prefix="wsa-docs-") as tmp:
        for example in SESSION:
            output = _run(example, Path(tmp), dsn)
            lines.append(f"$ {' '.join((PROG, *example.args))}")
            lines.append(output.rstrip() if example.shown else example.note)
    body = "\n".join(lines)
    trailing = re.compile(r"[ \t]+$", re.M)  # rich pads table titles; markdown keeps none
    return f"```console\n{trailing.sub('', body)}\n```\n"


@contextmanager
def scratch_database() -> Iterator[str]:
    """A new database on the embedded server (started if needed), dropped afterwards."""
    import psycopg
    from psycopg import sql

    from wedsync_analytics.server import EmbeddedServer

    server = EmbeddedServer.default()
    server.start()
    name = f"wsa_docs_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server.url(name)
    finally:
        with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(drop.format(sql.Identifier(name)))


def render(text: str, dsn: str) -> str:
    """`text` with every generated block filled with what the CLI prints now."""
    makers: dict[str, Callable[[], str]] = {
        "help": help_markdown,
        "session": lambda: session_markdown(dsn),
    }
    names = [m.group(2) for m in BLOCK.finditer(text)]
    unknown = sorted(set(names) - makers.keys())
    if unknown:
        raise ValueError(f"unknown generated block(s): {', '.join(unknown)}")
    filled = {name: makers[name]() for name in dict.fromkeys(names)}
    return BLOCK.sub(lambda m: f"{m.group(1)}{filled[m.group(2)]}{m.group(4)}", text)


def main(argv: list[str] | None = None) -> int:
    """`python -m wedsync_analytics.docs_gen GUIDE [--check] [--dsn DSN]`."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m wedsync_analytics.docs_gen")
    parser.add_argument("guide", type=Path)
    parser.add_argument("--check", action="store_true", help="exit 1 if the guide is stale")
    parser.add_argument("--dsn", help="a fresh database to run the session in")
    args = parser.parse_args(argv)
    if not args.guide.is_file():
        parser.error(f"{args.guide}: no such file")
    text = args.guide.read_text(encoding="utf-8")
    try:
        if args.dsn:
            new = render(text, args.dsn)
        else:
            with scratch_database() as dsn:
                new = render(text, dsn)
    except (RuntimeError, ValueError) as exc:  # a command failed, or an unknown block
        print(f"{args.guide}: not regenerated: {exc}", file=sys.stderr)
        return 1
    if new == text:
        print(f"{args.guide}: up to date")
        return 0
    if args.check:
        print(f"{args.guide}: stale; run {REGENERATE}")
        return 1
    args.guide.write_text(new, encoding="utf-8")
    print(f"{args.guide}: regenerated")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
