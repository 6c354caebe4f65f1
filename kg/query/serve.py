"""``kg serve``: a read-only SPARQL 1.1 Protocol endpoint over the built graph.

The `oxigraph` PyPI package's server, run on the persistent store that ``kg build`` writes, with
the union of all graphs as default graph (as the stored queries expect), a per-query timeout, and
its query page at the root URL. UPDATE is refused because the store is opened read-only.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from kg.errors import InputError


def oxigraph_executable() -> str:
    """The `oxigraph` server binary: beside this Python (a venv), else on the PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return str(beside)
    found = shutil.which("oxigraph")
    if not found:
        raise InputError("the 'oxigraph' server is not installed; pip install oxigraph (a dependency of "
                         "japan-security-kg)")
    return found


def stop(process: subprocess.Popen, seconds: float = 10.0) -> None:
    """Stop a child process: SIGTERM, then SIGKILL if it has not exited within ``seconds``."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, between fork and exec
    """Linux: the server gets SIGTERM when ``kg serve`` dies, even by SIGKILL, so none is left behind."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def server_command(store: Path, bind: str, port: int, timeout_s: int, read_only: bool = True) -> list[str]:
    """The command line that starts the server."""
    return [oxigraph_executable(), "serve-read-only" if read_only else "serve", "--location", str(store),
            "--bind", f"{bind}:{port}", "--union-default-graph", "--timeout-s", str(timeout_s)]


def wait_until_listening(host: str, port: int, process: subprocess.Popen, seconds: float = 30.0) -> None:
    """Block until the server accepts connections; fail if it exits or never listens."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
            raise InputError(f"the SPARQL server exited with code {process.returncode}: {output.strip()[:500]}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    process.terminate()
    raise InputError(f"the SPARQL server did not listen on {host}:{port} within {seconds:.0f} s")


def _stop(signum, frame) -> None:
    """SIGTERM stops the server like Ctrl-C does."""
    raise KeyboardInterrupt


def serve(store: Path, bind: str = "127.0.0.1", port: int = 7878, timeout_s: int = 30) -> int:
    """Run the endpoint until Ctrl-C (or SIGTERM); print its URLs once it listens."""
    if not (store / "CURRENT").is_file():
        raise InputError(f"{store}: no persistent store here; run 'kg build' first")
    process = subprocess.Popen(server_command(store, bind, port, timeout_s), stderr=subprocess.PIPE,
                               preexec_fn=_die_with_parent if sys.platform == "linux" else None)
    try:
        wait_until_listening(bind, port, process)
        base = f"http://{bind}:{port}"
        print(f"SPARQL endpoint: {base}/query   (read-only; union default graph; {timeout_s} s per query)")
        print(f"query page:      {base}/")
        print("stop with Ctrl-C", flush=True)
        signal.signal(signal.SIGTERM, _stop)
        process.wait()
        return process.returncode or 0
    except KeyboardInterrupt:
        print("\nstopping the SPARQL server", flush=True)
        return 0
    finally:
        stop(process)
