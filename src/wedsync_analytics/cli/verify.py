"""`wedsync-analytics verify --data DIR`: the export is exactly what was exported."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def verify(
    data: Annotated[Path, typer.Option("--data", help="Export directory (from `export`).")],
) -> None:
    """Check every table and file of an export against its manifest (no database); exit 2 if not."""
    from wedsync_analytics.export.verify import ExportDamaged, verify_export

    found = verify_export(data)
    for note in found.notes:
        typer.echo(f"note: {note}")
    for problem in found.problems:
        typer.echo(f"DAMAGED: {problem}")
    if not found.ok:
        raise ExportDamaged(
            f"{data}: {len(found.problems)} problem(s) found (listed above); export again"
        )
    typer.echo(
        f"verified {len(found.manifest.tables)} table(s), {found.files} file(s), "
        f"{found.bytes:,} bytes in {data}: identical to the export"
    )


def register(app: typer.Typer) -> None:
    """Add `verify` to the app."""
    app.command("verify")(verify)
