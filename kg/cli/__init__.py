"""Command-line interface: parses arguments, calls the pipeline's modules, prints. No logic of its own.

Each command is declared (name, help, arguments) beside its handler in the module of its group:
:mod:`~kg.cli.building` (build, ground, coverage), :mod:`~kg.cli.proposing` (propose, review, accept),
:mod:`~kg.cli.linking` (link, wikidata),
:mod:`~kg.cli.querying` (queries, query, sparql, evidence, entities), :mod:`~kg.cli.serving` (serve, push),
:mod:`~kg.cli.checking` (reason, validate), :mod:`~kg.cli.publishing` (export, diagram, docs, site).
Handlers import what they use when they run, so a command loads only its own stage.

Exit codes: 0 ok, 1 a check failed, 2 usage or input error, 3 a remote endpoint failed, 4 an internal
error (a bug: the traceback is printed only with ``kg --debug``).
"""

from __future__ import annotations

import argparse
import sys

from kg.cli import building, checking, linking, proposing, publishing, querying, serving
from kg.cli.common import Command, add_command, err, require_extra
from kg.errors import (
    EXIT_CHECK_FAILED,
    EXIT_INPUT_ERROR,
    EXIT_INTERNAL_ERROR,
    EXIT_OK,
    EXIT_REMOTE_FAILED,
    CheckFailed,
    InputError,
    KgError,
    RemoteError,
)

# The order of `kg --help`.
COMMANDS: tuple[Command, ...] = (
    *building.COMMANDS,
    *proposing.COMMANDS,
    *linking.COMMANDS,
    querying.QUERIES, querying.QUERY, querying.SPARQL,
    serving.SERVE, serving.PUSH,
    querying.EVIDENCE, querying.ENTITIES,
    checking.REASON, checking.VALIDATE,
    *publishing.COMMANDS,
)


class _VersionAction(argparse.Action):
    """--version, reading the installed metadata only when asked (it costs ~20 ms at start-up)."""

    def __call__(self, parser, namespace, values, option_string=None):
        from kg.version import software_version

        print(f"{parser.prog} {software_version()}")
        parser.exit()


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser (also used to document the CLI); with ``only``, the parser of that command alone
    (what a run of it needs: building all of them cost a cold ``kg query`` about 4 ms)."""
    parser = argparse.ArgumentParser(
        prog="kg",
        description="Japan security knowledge graph: build it, query it, check it.",
        epilog="Exit codes: 0 ok, 1 a check failed, 2 usage or input error, 3 a remote endpoint failed "
               "(try again later), 4 an internal error (a bug; --debug shows the traceback).",
    )
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="show the version and exit")
    parser.add_argument("--debug", action="store_true",
                        help="on an internal error, print the traceback (for a bug report)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        if only is None or command.name == only:
            add_command(sub, command)
    return parser


def _command_named(argv: list[str]) -> str | None:
    """The command ``argv`` runs, if it names one; else None, and the whole parser answers (an unknown
    command, or ``kg -h query``: help asked before the command is the help of every command). This relies on
    the global options taking no values, as --debug and --version do."""
    for arg in argv:
        if arg in ("-h", "--help"):
            return None
        if not arg.startswith("-"):
            return arg if arg in {command.name for command in COMMANDS} else None
    return None


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``kg`` console script."""
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(_command_named(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    try:
        if args.extra:
            require_extra(args.extra, f"kg {args.command}")
        return args.func(args)
    except CheckFailed as exc:
        err(f"kg {args.command}: check failed\n{exc}")
        return EXIT_CHECK_FAILED
    except InputError as exc:
        err(f"kg {args.command}: error\n{exc}")
        return EXIT_INPUT_ERROR
    except RemoteError as exc:
        err(f"kg {args.command}: the remote endpoint failed\n{exc}")
        return EXIT_REMOTE_FAILED
    except KgError as exc:  # pragma: no cover - all KgErrors are one of the above
        err(str(exc))
        return exc.exit_code
    except BrokenPipeError:  # e.g. `kg export ... | head`
        return EXIT_OK
    except KeyboardInterrupt:
        err(f"kg {args.command}: interrupted")
        return 130
    except Exception as exc:  # anything else is a bug of this program, never bad input
        return internal_error(args, exc)


def internal_error(args: argparse.Namespace, exc: BaseException) -> int:
    """Report a bug: one line without ``--debug``, the traceback with it; exit 4."""
    if getattr(args, "debug", False):
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    what = " ".join(f"{type(exc).__name__}: {exc}".split())
    err(f"kg {args.command}: internal error (a bug in kg, not in your input): {what[:500]}\n"
        + ("" if getattr(args, "debug", False) else
           f"rerun as 'kg --debug {args.command} ...' for the traceback, and report it"))
    return EXIT_INTERNAL_ERROR
