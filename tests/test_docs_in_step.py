"""CLI, library and docs kept in step.

- docs/guide.md's generated blocks are what the CLI prints now (`docs_gen`);
- every command and every option of the CLI is in the docs, and every
  `wedsync-analytics <command> --option` written in README.md or docs/*.md exists;
- the Python examples of the docs run (doctest).
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

from wedsync_analytics import docs_gen

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
GUIDE = ROOT / "docs" / "guide.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
STALE = f"is stale: regenerate it with {docs_gen.REGENERATE}, then review the diff"

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
SPAN = re.compile(r"`([^`\n]+)`")
OPTION = re.compile(r"--[a-z][a-z0-9-]*")
WORD = re.compile(r"[a-z][a-z0-9-]*")
ENDS = {"|", "||", "&&", ";", ">", "2>&1"}


def _snippets(text: str) -> tuple[list[str], list[str]]:
    """(lines of fenced code blocks, code spans outside them)."""
    blocks = FENCE.findall(text)
    lines = [line for block in blocks for line in block.replace("\\\n", " ").splitlines()]
    return lines, SPAN.findall(FENCE.sub("", text))


def _check_invocation(words: list[str]) -> str | None:
    """Why `words` (what follows `wedsync-analytics`) is not a command line of the CLI."""
    paths = set(docs_gen.command_paths())
    path: tuple[str, ...] = ()
    rest = list(words)
    while rest:
        choices = rest[0].replace("\\|", "|").split("|")
        if all(WORD.fullmatch(c) for c in choices) and any((*path, c) in paths for c in choices):
            unknown = [c for c in choices if (*path, c) not in paths]
            if unknown:
                return f"no command `{' '.join((*path, unknown[0]))}`"
            path = (*path, choices[0])
            rest.pop(0)
            continue
        is_group = any(p[: len(path)] == path and len(p) > len(path) for p in paths)
        if is_group and WORD.fullmatch(rest[0]):
            return f"no command `{' '.join((*path, rest[0]))}`"
        break
    options = set(docs_gen.long_options(path))
    for word in rest:
        if word in ENDS or word.startswith("#"):
            break
        for option in OPTION.findall(word):
            if option not in options:
                return f"`{' '.join(('wedsync-analytics', *path))}` has no option {option}"
    return None


def _invocations(text: str) -> list[list[str]]:
    """Each command line written in `text`: in code blocks and spans after `wedsync-analytics`,
    and code spans that start with a command followed by an option (`load --data DIR`)."""
    lines, spans = _snippets(text)
    found = []
    for snippet in lines + spans:
        for match in re.finditer(r"(?<![\w-])wedsync-analytics\b(?![\w-])", snippet):
            found.append(snippet[match.end() :].split())
    roots = {path[0] for path in docs_gen.command_paths() if path}
    for span in spans:
        words = span.split()
        if len(words) > 1 and words[0] in roots and any(OPTION.match(w) for w in words[1:3]):
            found.append(words)
    return found


def _docs_text() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in [README, *DOCS]}


def test_every_command_written_in_the_docs_exists() -> None:
    wrong = []
    for path, text in _docs_text().items():
        for words in _invocations(text):
            why = _check_invocation(words)
            if why:
                wrong.append(f"{path.relative_to(ROOT)}: `{' '.join(words)[:60]}`: {why}")
    assert not wrong, "the docs name what the CLI lacks:\n" + "\n".join(sorted(set(wrong)))


def test_the_checker_catches_what_the_cli_lacks() -> None:
    text = (
        "`wedsync-analytics generate --no-such-option`\n\n```sh\n"
        "wedsync-analytics frobnicate --out x\n.venv/bin/wedsync-analytics db restart\n"
        "wedsync-analytics export --out x | grep --count rows  # --ignored\n```\n"
        "`load --nothing` and `export SPARK_REMOTE=x` and `validate --data DIR`\n"
    )
    reasons = [_check_invocation(words) for words in _invocations(text)]
    assert reasons == [
        "no command `frobnicate`",
        "no command `db restart`",
        None,
        "`wedsync-analytics generate` has no option --no-such-option",
        "`wedsync-analytics load` has no option --nothing",
        None,
    ]


def _help_sections(text: str) -> dict[str, str]:
    parts = re.split(r"^### `(wedsync-analytics[^`]*)`$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_command_and_option_is_in_the_guide() -> None:
    sections = _help_sections(GUIDE.read_text(encoding="utf-8"))
    missing = []
    for path in docs_gen.command_paths():
        name = " ".join(("wedsync-analytics", *path))
        if name not in sections:
            missing.append(name)
            continue
        missing += [f"{name} {o}" for o in docs_gen.long_options(path) if o not in sections[name]]
    names = {" ".join(("wedsync-analytics", *p)) for p in docs_gen.command_paths()}
    extra = sorted(set(sections) - names)
    assert not missing and not extra, f"docs/guide.md {STALE}; missing: {missing}, extra: {extra}"


@pytest.mark.slow
def test_the_guide_is_what_the_cli_prints_now(db_dsn: str) -> None:
    text = GUIDE.read_text(encoding="utf-8")
    assert "<!-- generated: help -->" in text and "<!-- generated: session -->" in text
    fresh = docs_gen.render(text, db_dsn)
    assert fresh == text, f"docs/guide.md {STALE}"


@pytest.mark.parametrize(
    "page", [p for p in [README, *DOCS] if ">>> " in p.read_text(encoding="utf-8")],
    ids=lambda p: p.name,
)  # fmt: skip
def test_the_python_examples_run(page: Path) -> None:
    result = doctest.testfile(
        str(page), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False
    )
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} example(s) of {page.name} failed (output above)"


def test_every_command_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    missing = []
    for path in docs_gen.command_paths():
        if not path:
            continue
        group, leaf = " ".join(path[:-1]), path[-1]
        documented = f"wedsync-analytics {' '.join(path)}" in text or (
            group and f"wedsync-analytics {group} " in text and leaf in text
        )
        if not documented:
            missing.append(" ".join(path))
    assert not missing, f"commands missing from README.md: {missing}"


def test_render_fills_blocks_and_refuses_unknown_ones() -> None:
    old = "intro\n<!-- generated: help -->\nold text\n<!-- end generated -->\nend\n"
    new = docs_gen.render(old, dsn="unused: no session block")
    assert new.startswith("intro\n<!-- generated: help -->\n### `wedsync-analytics`\n")
    assert new.endswith("<!-- end generated -->\nend\n") and "old text" not in new
    assert docs_gen.render(new, dsn="unused") == new
    with pytest.raises(ValueError, match="unknown generated block"):
        docs_gen.render("<!-- generated: nope -->\n<!-- end generated -->", dsn="unused")


def test_masks_keep_what_is_deterministic() -> None:
    line = "error_groups                          250 rows     0.06s       54,286 rows/s"
    assert (
        docs_gen.MASK_RATE(line)
        == "error_groups                          250 rows  <seconds> <rows/s>"
    )
    cell = "pass, 16 rows, max diff 1.9e-16, 0.027s | max diff 0.0e+00, 0.008s"
    masked = docs_gen.MASK_NOISE(docs_gen.MASK_SECONDS(cell))
    assert masked == "pass, 16 rows, max diff #.#e-##, #.###s | max diff 0.0e+00, #.###s"
    assert len(masked) == len(cell)  # tables keep their layout
