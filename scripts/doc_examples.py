"""The examples of README.md and docs/*.md, run for real by cog (https://nedbatchelder.com/code/cog).

Each example in a Markdown file is a cog block whose generator calls :func:`run` with shell commands;
cog writes the commands and what they print below it. ``make docs`` regenerates every example
(``cog -r``); ``tests/test_doc_examples.py`` runs ``cog --check``, which fails when an example's output
is not what the code prints now, and says to run ``make docs``.

Why cog: it is maintained, it regenerates outputs (a doctest-style runner such as Sybil or prysk only
compares them, so every change of output would be copied by hand), and its markers are HTML comments
that Markdown viewers do not show.

The examples run in a scratch project directory (``KG_HOME``) whose ontology, queries, data and test
fixtures are links to this project's and whose ``build/`` is its own, built once with
``kg build --infer``; so they never touch the project's own ``build/``. ``kg`` is this Python's
console script, on the PATH. Tables are 80 columns wide. Outputs are shown as printed, except that
the scratch directory's path is removed (so ``wrote build/dataset.nq``) and durations are shown as
``…`` (they differ from run to run).

Examples marked ``texts=True`` need the source texts (``../shared``, or ``KG_TEXTS``): where they are
not found, such a block keeps its previous output (``make docs`` says so) and
``tests/test_doc_examples.py`` skips it with the reason. ``KG_DOC_EXAMPLES`` selects which blocks run:
``all`` (default), ``texts`` (only those that need the texts; the others keep their output) or
``no-texts``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = ["README.md", *(f"docs/{p.name}" for p in sorted((ROOT / "docs").glob("*.md")))]
LINKED = ("ontology", "queries", "data", "tests")
DURATION = re.compile(r"\b\d+(?:\.\d+)? (s|ms)\b")
JAVA = re.compile(r"on Java [0-9._]+ \([^)]*\)")
CHECK_FAIL_MESSAGE = ("an example's output in README.md or docs/ is out of date with what the code prints: "
                      "run `make docs` and commit the result")

_home: Path | None = None
skipped: list[str] = []  # examples that were not run (they need the texts, which are not here)


def texts_path() -> list[Path]:
    """The source texts' search path, as the project resolves it (KG_TEXTS, else ../shared)."""
    sys.path.insert(0, str(ROOT))
    from kg.config import default_text_path

    return default_text_path(ROOT)


def texts_available() -> bool:
    """Whether the article's text is on the search path."""
    return any((d / "japan-looks-beyond-us-alliance.txt").is_file() for d in texts_path())


def home() -> Path:
    """The scratch project directory, made and built once per process."""
    global _home
    if _home is None:
        _home = Path(tempfile.mkdtemp(prefix="kg-doc-examples-"))
        for name in LINKED:
            (_home / name).symlink_to(ROOT / name)
        _shell("kg build --infer", _home)
    return _home


def environment(directory: Path) -> dict[str, str]:
    """Where the examples run: the scratch project, this Python's kg on the PATH, 80 columns."""
    env = dict(os.environ)
    env.update(KG_HOME=str(directory), KG_TEXTS=os.pathsep.join(map(str, texts_path())), COLUMNS="80",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}", PYTHONIOENCODING="utf-8")
    env.pop("KG_REQUIRE_TEXTS", None)
    return env


def _shell(command: str, directory: Path) -> str:
    completed = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=directory, env=environment(directory),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    return completed.stdout


def run(*commands: str, texts: bool = False, lang: str = "console") -> None:
    """Write a fenced block with each command (``$ command``) and what it prints, run in the scratch project."""
    import cog

    mode = os.environ.get("KG_DOC_EXAMPLES", "all")
    if (texts and not texts_available()) or (mode == "texts" and not texts) or (mode == "no-texts" and texts):
        if texts and not texts_available():
            skipped.append(commands[0])
        cog.out(cog.previous)
        return
    directory = home()
    lines = [f"```{lang}"]
    for command in commands:
        lines.append(f"$ {command}")
        lines.extend(clean(_shell(command, directory), directory).rstrip("\n").splitlines())
    lines.append("```")
    cog.outl("\n".join(lines))


def clean(output: str, directory: Path) -> str:
    """The output as shown: the scratch directory's path removed, durations as '…'."""
    output = output.replace(f"{directory}/", "").replace(str(directory), ".")
    output = JAVA.sub("on Java …", output)
    return DURATION.sub(lambda m: f"… {m.group(1)}", output)


def python(code: str) -> None:
    """Write what a Python snippet (run in the scratch project with its build) prints, as plain text."""
    import cog

    if os.environ.get("KG_DOC_EXAMPLES", "all") == "texts":
        cog.out(cog.previous)
        return
    directory = home()
    completed = subprocess.run([sys.executable, "-c", code], cwd=directory, env=environment(directory),
                               capture_output=True, text=True, check=True)
    cog.out(completed.stdout)


SCOPE = r"""
import json, pathlib, yaml
from collections import Counter
from kg.config import Settings
from kg.query.catalogue import all_queries, bind, find
from kg.query.entities import store_index
from kg.query.run import run_select
from kg.query.store import open_oxigraph
settings = Settings()
info = json.loads(settings.build_info_file.read_text())
kinds = Counter(yaml.safe_load(p.read_text())["kind"] for p in sorted(settings.data_dir.glob("sources/*/source.yaml")))
queries = all_queries(settings.queries_dir).values()
store = open_oxigraph(settings.dataset_file)
headline = find(settings.queries_dir, "partners-without-defence-pledge")
partners = {row["partner"] for row in run_select(settings.dataset_file, headline.text, bind(headline, {}), store=store)}
rows = [
    ("sources", f"{sum(kinds.values())}: " + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))),
    ("curated facts, each with its quote or data row", sum(s["facts"] for s in info["sources"].values())),
    ("triples the sources assert", sum(s["asserted_triples"] for s in info["sources"].values())),
    ("quads in the build (with evidence, ontology, mappings, entailments)", info["quads"]),
    ("named entities (kg entities)", len(store_index(store))),
    ("stored queries (kg queries)", f"{sum(not q.federated for q in queries)}, and "
                                    f"{sum(q.federated for q in queries)} federated"),
    ("Japan's security partners in the headline answer (as of today)", len(partners)),
]
print("| what | how many |")
print("| --- | ---: |")
for what, count in rows:
    print(f"| {what} | {count:,} |" if isinstance(count, int) else f"| {what} | {count} |")
"""


def scope() -> None:
    """The README's table of the graph's scope, counted from the build."""
    python(SCOPE)


COMMANDS_TABLE = r"""
from kg.cli import COMMANDS, build_parser
parser = build_parser()
sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
print("| command | what it does |")
print("| --- | --- |")
for command in COMMANDS:
    entries = [(command.name, command)] if not command.actions else [
        (f"{command.name} {a.name}", a) for a in command.actions]
    for name, entry in entries:
        extra = f" (needs the `{entry.extra}` extra)" if entry.extra else ""
        print(f"| `kg {name}` | {entry.help}{extra} |")
"""


CATALOGUE = r"""
from kg.config import Settings
from kg.query.catalogue import all_queries
print("| query | answers | parameters (default) |")
print("| --- | --- | --- |")
for query in all_queries(Settings().queries_dir).values():
    params = ", ".join(f"`{p.name}`" + (f" (`{p.default}`)" if p.default else "") for p in query.params)
    kind = " *federated*" if query.federated else ""
    print(f"| `{query.name}`{kind} | {query.summary.replace('|', '/')} | {params} |")
"""


SOURCES = r"""
import json, yaml
from kg.config import Settings
settings = Settings()
info = json.loads(settings.build_info_file.read_text())
print("| source (named graph) | kind | what it is | facts | asserted triples |")
print("| --- | --- | --- | ---: | ---: |")
for source_id, counts in info["sources"].items():
    meta = yaml.safe_load((settings.data_dir / "sources" / source_id / "source.yaml").read_text())
    print(f"| `{source_id}` | {meta['kind']} | {meta['title']} (`{meta['text']['file']}`) | {counts['facts']} | "
          f"{counts['asserted_triples']} |")
"""

GRAPHS = r"""
import json
from kg.config import Settings
info = json.loads(Settings().build_info_file.read_text())
print("| graph | triples |")
print("| --- | ---: |")
for graph, count in info["triples_per_graph"].items():
    print(f"| `{graph}` | {count:,} |")
print(f"| all (quads) | {info['quads']:,} |")
"""


def commands() -> None:
    """The command reference's table of commands, from the argument parser."""
    python(COMMANDS_TABLE)


def main(argv: list[str]) -> int:
    """--regenerate: rewrite every example (make docs); --check: fail if one is out of date."""
    from cogapp import Cog

    sys.path.insert(0, str(Path(__file__).parent))
    import doc_examples  # the module cog's blocks use (this file, imported by name: one scratch build per process)

    doc_examples.skipped.clear()
    files = [str(ROOT / f) for f in FILES if "[[[cog" in (ROOT / f).read_text(encoding="utf-8")]
    common = ["cog", "-p", "from doc_examples import run, python, scope, commands, CATALOGUE, SOURCES, GRAPHS",
              "--verbosity=1"]
    if "--check" in argv:
        status = Cog().main([*common, "--check", "--diff", f"--check-fail-msg={CHECK_FAIL_MESSAGE}", *files])
    else:
        status = Cog().main([*common, "-r", *files])
    if doc_examples.skipped:
        print(f"not run (the source texts are not on {os.pathsep.join(map(str, texts_path()))}; set KG_TEXTS): "
              + "; ".join(doc_examples.skipped), file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
