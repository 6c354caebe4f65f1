"""Error types and exit codes shared by every layer.

Exit codes (pySHACL's habit): 0 ok, 1 a check failed, 2 usage or input error (bad data or
arguments, a file that cannot be read or written, a full disk); 3 when a remote SPARQL endpoint
failed (unreachable, timed out, rate-limited past the retries, or answered something that is not
results): the same command may succeed later; and 4 for an internal error, a bug of this program
(the traceback is shown with ``kg --debug``). docs/robustness.md has the details.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_INPUT_ERROR = 2
EXIT_REMOTE_FAILED = 3
EXIT_INTERNAL_ERROR = 4


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    file: Path | None
    message: str
    line: int | None = None
    fact: str | None = None

    def __str__(self) -> str:
        where = str(self.file) if self.file else ""
        if self.file and self.line is not None:
            where += f":{self.line}"
        who = f"[fact {self.fact}]" if self.fact else ""
        prefix = " ".join(p for p in (f"{where}:" if where else "", who) if p)
        return f"{prefix} {self.message}" if prefix else self.message


class KgError(Exception):
    """Base class: carries the exit code the CLI should return."""

    exit_code = EXIT_INPUT_ERROR


class InputError(KgError):
    """Bad input (data files, source texts, arguments): nothing is written. Exit 2."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(None, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class CheckFailed(KgError):
    """A validation or quality check found violations. Exit 1."""

    exit_code = EXIT_CHECK_FAILED


class RemoteError(KgError):
    """A remote endpoint failed or answered something that is not results; nothing was written. Exit 3."""

    exit_code = EXIT_REMOTE_FAILED


class ProblemCollector:
    """Collects problems so one run reports all of them, not only the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: Path | None, message: str, line: int | None = None, fact: str | None = None) -> None:
        """Record one problem."""
        self.problems.append(Problem(file, message, line, fact))

    def raise_if_any(self) -> None:
        """Raise an InputError carrying every problem recorded so far."""
        if self.problems:
            raise InputError(list(self.problems))
