"""Run one submitted notebook in a sandbox and collect the answers its checks recorded.

:func:`run_submission` (in the grader's process) makes a fresh temporary folder and starts a
*supervisor* process for the notebook (``python -m crmlab.exercises.sandbox``) inside a
bubblewrap sandbox of its own (:func:`crmlab.exercises.isolation.bwrap_command`: own user, PID,
network and IPC namespaces, read-only system, package and data, private ``/tmp`` and ``HOME``,
the temporary folder as the only writable place). The supervisor

- makes itself a child subreaper and non-dumpable (so processes the notebook starts, even
  detached ones, are re-parented to it, and the notebook cannot read its memory or pipes);
- starts the ``python3`` kernel in that folder, with the environment variable
  ``CRMLAB_GRADING=record`` (``check`` records answers instead of judging them) and limits:
  address space (``RLIMIT_AS``), size of files written (``RLIMIT_FSIZE``), no core files; it
  counts the processes below it and stops the run when there are too many, and stops storing
  output (and the run) beyond the output limit;
- executes every cell in order (nbclient, errors allowed: a failing cell is reported and the
  run goes on) within one time budget for the whole notebook;
- kills every process below it at the end, and sends back, signed with a key it received on
  standard input, the answers recorded, the cells that failed and a note on how the run ended.

Kernel and supervisor both live in the sandbox, so nothing of one run (a connection file, a
port, a process) is visible to another. If the supervisor dies (a submission that kills its
parent), the sandbox's PID namespace ends with it, the grader kills what is left of the run (its
session, the kernel's session, and any process carrying the run's marker in its environment)
and records an error with a note; other submissions are not affected. The originals are read
once by the grader and never opened by the sandbox.
"""

from __future__ import annotations

import ctypes
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crmlab.exercises.isolation import WORKDIR, bwrap_command

__all__ = ["Limits", "SandboxResult", "memory_ceiling_mb", "run_submission"]

_MARKER_ENV = "CRMLAB_SANDBOX_RUN"
_PR_SET_DUMPABLE, _PR_SET_CHILD_SUBREAPER = 4, 36
_STARTUP_GRACE = 90.0  # seconds the supervisor may need beyond the notebook's own time limit


@dataclass(frozen=True)
class Limits:
    """Limits on one submission's run.

    Parameters
    ----------
    timeout : float
        Seconds for the whole notebook (kernel start not counted).
    memory_mb : int
        Address space of the kernel and each process it starts (``RLIMIT_AS``), in MiB.
    output_mb : float
        Output the notebook may produce (cell outputs, and each file it writes), in MiB.
    max_processes : int
        Processes (kernel included) the run may have at once.
    """

    timeout: float = 60.0
    memory_mb: int = 4096
    output_mb: float = 20.0
    max_processes: int = 32


@dataclass(frozen=True)
class SandboxResult:
    """How one run went.

    Attributes
    ----------
    records : list of dict
        The answer records displayed, in order (``{"qid": ..., "answer": {...}}``).
    completed : bool
        True if every cell ran without an error.
    note : str
        How the run ended when it did not complete ("" otherwise).
    cell_index : int or None
        The cell that was running when the run stopped.
    seconds : float
        Wall time of the run.
    executed : dict or None
        The executed notebook (nbformat JSON), if asked for.
    errors : list of dict
        The cells that raised (the run goes on after an error): ``cell``, ``ename``, ``evalue``.
    """

    records: list[dict[str, Any]]
    completed: bool
    note: str
    cell_index: int | None = None
    seconds: float = 0.0
    executed: dict[str, Any] | None = field(default=None, repr=False)
    errors: list[dict[str, Any]] = field(default_factory=list)


def memory_ceiling_mb() -> int | None:
    """The hard address-space limit of this process in MiB (``ulimit -Hv``), or None if none.

    A kernel's memory limit can be set at most this high; the grader lowers a larger request to
    it and says so.
    """
    import resource

    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    return None if hard == resource.RLIM_INFINITY else max(1, hard // 2**20)


# --------------------------------------------------------------------------------------------
# processes
# --------------------------------------------------------------------------------------------
def _prctl(option: int, value: int) -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the other protections still apply
        pass


def _pids() -> list[str]:
    """Process ids from /proc (empty where there is no /proc: no clean-up by walking)."""
    try:
        return [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return []


def _proc_table() -> dict[int, tuple[int, int]]:
    """Pid -> (parent pid, session id) of every process we can see."""
    table: dict[int, tuple[int, int]] = {}
    for entry in _pids():
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        table[int(entry)] = (int(fields[1]), int(fields[3]))
    return table


def _descendants(root: int) -> list[int]:
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _kill(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _kill_tree(root: int) -> None:
    """Kill every process below ``root`` (which is this process, a subreaper) until none is left."""
    for _ in range(100):
        pids = _descendants(root)
        if not pids:
            return
        _kill(pids)
        time.sleep(0.02)
        _reap()


def _marked(marker: str) -> list[int]:
    """Processes whose environment carries ``marker`` (what a dead supervisor left behind)."""
    needle = f"{_MARKER_ENV}={marker}".encode()
    found = []
    for entry in _pids():
        if int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/environ", "rb") as fh:
                    if needle in fh.read().split(b"\0"):
                        found.append(int(entry))
            except OSError:
                continue
    return found


def _cleanup_after(supervisor: int | None, kernel: int | None, marker: str) -> None:
    """From the grader: kill what a run left behind.

    Always by the run's environment marker; by the supervisor's session and the kernel's only
    when the supervisor died before cleaning up (then those sessions are still in use).
    """
    sessions = {s for s in (supervisor, kernel) if s}
    for _ in range(20):
        table = _proc_table()
        pids = [p for p, (_, sid) in table.items() if sid in sessions and p != os.getpid()]
        pids += [p for p in _marked(marker) if p not in pids]
        if not pids:
            return
        _kill(pids)
        time.sleep(0.05)


# --------------------------------------------------------------------------------------------
# the grader's side
# --------------------------------------------------------------------------------------------
def _sign(key: bytes, payload: str) -> str:
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def _signal_name(status: int) -> str:
    try:
        return signal.Signals(-status).name
    except ValueError:
        return f"signal {-status}"


def run_submission(
    notebook: bytes,
    limits: Limits,
    *,
    keep_executed: bool = False,
    isolate: bool = True,
    replace: Mapping[str, str | os.PathLike] | None = None,
    hide: tuple[str | os.PathLike, ...] = (),
) -> SandboxResult:
    """Run one notebook (its bytes) in a sandbox; never raises for anything the notebook does.

    Parameters
    ----------
    notebook : bytes
        The submitted file's content (the grader read it once; the original is not used). It
        reaches the supervisor on its standard input; the kernel runs in an empty private
        folder.
    limits : Limits
        Time, memory, output and process limits.
    keep_executed : bool
        Also return the executed notebook.
    isolate : bool
        Run the supervisor (and so the kernel) in a bubblewrap sandbox
        (:func:`crmlab.exercises.isolation.bwrap_command`); False only for trusted submissions.
    replace, hide : optional
        Files replaced and folders hidden inside the sandbox (see ``bwrap_command``).

    Raises
    ------
    SandboxUnavailable
        ``isolate`` is True and bubblewrap cannot be used here.

    Returns
    -------
    SandboxResult
    """
    key, marker = secrets.token_bytes(32), secrets.token_hex(16)
    start = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="crmlab-sub-"))
    try:
        os.chmod(tmp, 0o700)
        work = tmp / "work"  # the kernel's working directory: empty, private to this run
        work.mkdir()
        command = [sys.executable, "-m", "crmlab.exercises.sandbox"]
        if isolate:
            command = bwrap_command(
                command, work, env={_MARKER_ENV: marker}, replace=replace or {}, hide=hide
            )
        config = {
            "key": key.hex(),
            "marker": marker,
            "workdir": WORKDIR if isolate else str(work),
            "notebook": notebook.decode("utf-8"),  # sent, not written: nothing to tamper with
            "limits": limits.__dict__,
            "keep_executed": keep_executed,
        }
        proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,  # only bwrap's own messages: the supervisor closes it
            cwd=tmp,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(
                json.dumps(config).encode(), timeout=limits.timeout + _STARTUP_GRACE
            )
            outer_timeout = False
        except subprocess.TimeoutExpired:
            _kill([proc.pid])
            out, err = proc.communicate()
            outer_timeout = True
        messages = _read_messages(out, key)
        kernel = next((m["kernel_pid"] for m in messages if "kernel_pid" in m), None)
        finished = any("completed" in m for m in messages)  # the supervisor cleaned up itself
        _cleanup_after(None if finished else proc.pid, None if finished else kernel, marker)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    seconds = time.monotonic() - start
    final = next((m for m in messages if "completed" in m), None)
    if final is not None:
        return SandboxResult(
            records=list(final["records"]),
            completed=bool(final["completed"]),
            note=str(final["note"]),
            cell_index=final.get("cell_index"),
            seconds=seconds,
            executed=final.get("executed"),
            errors=list(final.get("errors") or []),
        )
    status = proc.returncode
    if isolate and status is not None and status > 128:  # bwrap reports a signal as 128 + n
        status = -(status - 128)
    if outer_timeout:
        why = f"the run did not finish within {limits.timeout:g} s and was stopped"
    elif status < 0:
        why = (
            f"the process running this submission was killed ({_signal_name(status)}), "
            "probably by the submission itself (e.g. killing its parent process)"
        )
    elif isolate and err.strip() and not messages:
        first = err.decode(errors="replace").strip().splitlines()[0][:200]
        why = f"the sandbox could not be started ({first})"
    else:
        why = f"the process running this submission ended without a result (status {status})"
    started = next((m for m in reversed(messages) if "cell" in m), None)
    cell = started["cell"] if started else None
    records = [m["record"] for m in messages if "record" in m]
    return SandboxResult(records, False, why, cell, seconds)


def _read_messages(out: bytes, key: bytes) -> list[dict[str, Any]]:
    """The supervisor's messages whose signature is valid, in order."""
    messages = []
    for line in out.decode("utf-8", errors="replace").splitlines():
        try:
            wrapper = json.loads(line)
            payload, sig = wrapper["payload"], wrapper["sig"]
            if not hmac.compare_digest(_sign(key, payload), str(sig)):
                continue
            message = json.loads(payload)
        except (ValueError, KeyError, TypeError):
            continue
        if isinstance(message, dict):
            messages.append(message)
    return messages


# --------------------------------------------------------------------------------------------
# the supervisor's side
# --------------------------------------------------------------------------------------------
def _records(nb: Any) -> list[dict[str, Any]]:
    from crmlab.exercises.answers import ANSWER_MIME

    found = []
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) or []:
            data = output.get("data") or {}
            if ANSWER_MIME not in data:
                continue
            record = data[ANSWER_MIME]
            try:
                if isinstance(record, str):
                    record = json.loads(record)
            except ValueError:
                continue
            if (
                isinstance(record, dict)
                and isinstance(record.get("qid"), str)
                and isinstance(record.get("answer"), dict)
            ):  # a record without an answer (a status, a signature) is nothing to judge
                found.append({"qid": record["qid"][:50], "answer": record.get("answer")})
    return found


def _errors(nb: Any, limits: dict[str, Any]) -> list[dict[str, Any]]:
    """The cells whose run raised: index, exception name and the first line of its message."""
    found = []
    for index, cell in enumerate(nb.get("cells", [])):
        for output in cell.get("outputs", []) or []:
            if output.get("output_type") == "error":
                lines = str(output.get("evalue") or "").strip().splitlines()
                ename = str(output.get("ename") or "Error")[:80]
                if ename == "MemoryError":
                    lines = [f"the memory limit ({limits['memory_mb']} MiB) was reached"]
                found.append({"cell": index, "ename": ename, "evalue": (lines or [""])[0][:200]})
                break
    return found


def _preexec(limits: dict[str, Any]) -> None:  # pragma: no cover - runs in the child
    import resource

    memory = int(limits["memory_mb"]) * 2**20
    files = int(float(limits["output_mb"]) * 2**20)
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (files, files))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large file is an OSError, not a kill


def _supervise(config: dict[str, Any], send) -> None:  # noqa: C901 - one linear story
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    limits = config["limits"]
    workdir = config["workdir"]
    nb = nbformat.reads(config["notebook"], as_version=4)
    for cell in nb.cells:  # nothing left in the file can pass for a record of this run
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    output_cap = float(limits["output_mb"]) * 2**20
    state: dict[str, Any] = {"cell": None, "output": 0, "stopped": ""}
    deadline = [float("inf")]

    def stop(why: str) -> None:
        if not state["stopped"]:
            state["stopped"] = why
        pid = state.get("kernel_pid")
        if pid:
            _kill([pid])

    class Client(NotebookClient):
        def output(self, outs, msg, display_id, cell_index):  # noqa: ANN201 - nbclient's hook
            content = msg.get("content", {})
            state["output"] += len(json.dumps(content, default=str))
            if state["output"] > output_cap:
                stop(f"the output limit ({limits['output_mb']:g} MiB) was exceeded")
                return None
            if msg.get("msg_type") in ("display_data", "execute_result"):
                for record in _records({"cells": [{"outputs": [content]}]}):
                    send({"record": record})  # kept even if this process is killed later
            return super().output(outs, msg, display_id, cell_index)

        async def async_execute_cell(self, cell, cell_index, *args, **kwargs):  # noqa: ANN201
            state["cell"] = cell_index
            send({"cell": cell_index})
            return await super().async_execute_cell(cell, cell_index, *args, **kwargs)

    def started(notebook) -> None:  # noqa: ANN001 - nbclient's hook
        state["process"] = client.km.provisioner.process
        state["kernel_pid"] = state["process"].pid
        send({"kernel_pid": state["kernel_pid"]})
        deadline[0] = time.monotonic() + float(limits["timeout"])

    client = Client(
        nb,
        kernel_name="python3",
        resources={"metadata": {"path": workdir}},
        timeout_func=lambda cell: max(0.01, deadline[0] - time.monotonic()),
        startup_timeout=60,
        shutdown_kernel="immediate",
        allow_errors=True,  # every question is judged on its own: a failed cell stops nothing
        on_notebook_start=started,
        extra_arguments=["--HistoryManager.enabled=False"],
    )

    def watchdog() -> None:
        me = os.getpid()
        while not state.get("done"):
            if state.get("kernel_pid"):
                n = len(_descendants(me))
                if n > int(limits["max_processes"]):
                    stop(f"it started too many processes (limit {limits['max_processes']})")
                if time.monotonic() > deadline[0] + 10:  # a kernel that ignores the interrupt
                    stop(f"timeout after {float(limits['timeout']):g} s")
            time.sleep(0.2)

    env = {**os.environ, "CRMLAB_GRADING": "record", _MARKER_ENV: config["marker"]}
    env.pop("JPY_PARENT_PID", None)
    threading.Thread(target=watchdog, daemon=True).start()
    completed, note = False, ""
    try:
        client.execute(env=env, preexec_fn=lambda: _preexec(limits))
        completed = True
    except CellTimeoutError:
        note = f"timeout after {float(limits['timeout']):g} s"
    except CellExecutionError as exc:
        if exc.ename == "SystemExit":
            note = f"the notebook called sys.exit() ({exc.evalue or 'no status'}); the run stopped"
        elif exc.ename == "MemoryError":
            note = f"the memory limit ({limits['memory_mb']} MiB) was reached (MemoryError)"
        else:
            note = (
                f"{exc.ename}: {(exc.evalue or '').strip().splitlines()[0] if exc.evalue else ''}"
            )
            note = note.rstrip(": ")
    except DeadKernelError:
        try:
            status = state["process"].wait(timeout=5) if "process" in state else None
        except subprocess.TimeoutExpired:
            status = None
        if state["stopped"]:
            note = state["stopped"]
        elif status is not None and status < 0:
            note = f"the kernel was killed ({_signal_name(status)})"
            if status == -signal.SIGKILL:
                note += "; a memory limit, os.kill or a crash"
        else:
            note = f"the kernel exited (status {status}): os._exit() or a crash"
    except Exception as exc:  # a kernel that cannot start, a malformed notebook, ...
        note = state["stopped"] or f"{type(exc).__name__}: {str(exc).strip()[:200]}"
    finally:
        state["done"] = True
        _kill_tree(os.getpid())
    if state["stopped"] and not completed:
        note = state["stopped"]
    if state["stopped"] and completed:  # stopped in the very last moment
        completed, note = False, state["stopped"]
    send(
        {
            "completed": completed,
            "note": note,
            "cell_index": state["cell"] if note else None,
            "records": _records(nb),
            "errors": _errors(nb, limits),
            "executed": nb if config.get("keep_executed") else None,
        }
    )


def _main() -> None:  # pragma: no cover - exercised through run_submission
    config = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    key = bytes.fromhex(config["key"])
    _prctl(_PR_SET_DUMPABLE, 0)
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    results = os.fdopen(os.dup(1), "w", encoding="utf-8")  # the dup is not inherited
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    lock = threading.Lock()

    def send(message: dict[str, Any]) -> None:
        payload = json.dumps(message, default=str)
        with lock:
            results.write(json.dumps({"payload": payload, "sig": _sign(key, payload)}) + "\n")
            results.flush()

    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # see runner
    import logging

    logging.disable(logging.CRITICAL)
    os.chdir(config["workdir"])
    _supervise(config, send)
    results.close()


if __name__ == "__main__":  # pragma: no cover
    _main()
