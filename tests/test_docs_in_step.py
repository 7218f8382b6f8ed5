"""CLI, library and docs kept in step: every command is documented in the README."""

from __future__ import annotations

from pathlib import Path

import typer.core
import typer.main

from wedsync_analytics.cli.main import app

README = Path(__file__).resolve().parents[1] / "README.md"


def _command_paths(command: object, prefix: str = "") -> list[str]:
    if isinstance(command, typer.core.TyperGroup):
        paths: list[str] = []
        for name, sub in command.commands.items():
            paths += _command_paths(sub, f"{prefix} {name}".strip())
        return paths
    return [prefix]


def test_every_command_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    commands = _command_paths(typer.main.get_command(app))
    assert len(commands) >= 5
    missing = []
    for path in commands:
        group, _, leaf = path.rpartition(" ")
        documented = f"wedsync-analytics {path}" in text or (
            group and f"wedsync-analytics {group} " in text and leaf in text
        )
        if not documented:
            missing.append(path)
    assert not missing, f"commands missing from README.md: {missing}"


def test_every_readme_command_exists() -> None:
    text = README.read_text(encoding="utf-8")
    commands = set(_command_paths(typer.main.get_command(app)))
    roots = {path.split(" ")[0] for path in commands}
    for line in text.splitlines():
        if line.startswith("| `wedsync-analytics "):
            word = line.split("`")[1].split()[1]
            assert word in roots, f"README documents `{word}`, which the CLI lacks"
