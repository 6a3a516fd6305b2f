"""The walls around one graded submission: a bubblewrap (``bwrap``) sandbox.

:func:`bwrap_command` wraps the command that runs one submission (the sandbox's supervisor, which
starts the kernel and talks to it) in a ``bwrap`` call that gives it

- its own user namespace, as uid/gid 65534 ("nobody") without capabilities, and no further user
  namespaces (``--disable-userns``);
- its own PID, network (only a private loopback), IPC, UTS and cgroup namespaces: no other
  submission's process, kernel connection file or port is visible or reachable;
- a new, empty root: the system folders, the Python installation, the virtual environment, the
  crmlab package and the data folder bound read-only at their usual paths, a private ``/tmp``
  and ``HOME`` (tmpfs), and the submission's own working copy as the only writable folder;
- a clean environment, a new terminal session, and death with its parent.

:func:`sandbox_problem` says why such a sandbox cannot be made here (``bwrap`` missing, or user
namespaces switched off), or None. Without it ``crmlab grade`` refuses to run submissions unless
the instructor passes ``--trusted-submissions``.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "HOME",
    "INSTALL_HINT",
    "SANDBOX_UID",
    "WORKDIR",
    "SandboxUnavailable",
    "bwrap_command",
    "read_only_paths",
    "sandbox_problem",
]

SANDBOX_UID = 65534
"""User and group id inside the sandbox ("nobody")."""
WORKDIR = "/submission"
"""Where the submission's working copy appears inside the sandbox (its only writable folder)."""
HOME = "/home/student"
"""The sandbox's HOME: a tmpfs that disappears with the run."""
INSTALL_HINT = (
    "install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; Fedora: `sudo dnf "
    "install bubblewrap`; Arch: `sudo pacman -S bubblewrap`) and make sure user namespaces are "
    "enabled (`sysctl kernel.unprivileged_userns_clone=1` on older Debian kernels). Only if you "
    "trust every submission, grade without a sandbox with --trusted-submissions."
)
_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt")


class SandboxUnavailable(ValueError):
    """No sandbox can be made on this machine, and the submissions are not declared trusted."""


def _bwrap() -> str | None:
    return shutil.which("bwrap")


@functools.cache
def sandbox_problem() -> str | None:
    """Why no bubblewrap sandbox can be made here (one sentence), or None if it can."""
    exe = _bwrap()
    if exe is None:
        return "bubblewrap (the `bwrap` command) is not installed"
    probe = [
        exe,
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_UID),
    ]
    probe += ["--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap could not be started ({type(exc).__name__}: {exc})"
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip().splitlines()
        return f"bwrap cannot make a sandbox here ({why[0] if why else done.returncode})"
    return None


def _package_root() -> Path:
    import crmlab

    return Path(crmlab.__file__).resolve().parent.parent


def read_only_paths() -> list[Path]:
    """What the sandbox sees, read-only: system folders, Python, the venv, crmlab, the data.

    The entries of ``sys.path`` inside the Python installation and the virtual environment
    (the standard library, site-packages), the ``crmlab`` package folder itself (not the
    checkout around it: its ``exercises/solutions`` stay out of sight), and the data folder
    (``CRMLAB_DATA`` or the per-user cache). Paths inside another listed path are left out.
    """
    from crmlab.datasets.registry import data_home

    prefixes = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    candidates = [Path(p) for p in _SYSTEM]
    candidates += [Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)]
    candidates += [Path(sys.executable).parent, Path(os.path.realpath(sys.executable)).parent]
    for entry in sys.path:
        if entry and os.path.isabs(entry):
            real = Path(entry).resolve()
            if any(real == p or p in real.parents for p in prefixes):
                candidates.append(Path(entry))
    candidates += [_package_root() / "crmlab", data_home()]
    found: list[Path] = []
    for path in candidates:
        if path.exists():
            found.append(Path(os.path.abspath(path)))
            real = Path(os.path.realpath(path))
            if real != found[-1]:
                found.append(real)
    found = sorted(set(found), key=lambda p: (len(p.parts), str(p)))
    kept: list[Path] = []
    for path in found:
        if not any(path == k or k in path.parents for k in kept):
            kept.append(path)
    return kept


def _environment(extra: Mapping[str, str]) -> dict[str, str]:
    from crmlab.datasets.registry import data_home

    path = [str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]
    pythonpath = [str(_package_root())]
    pythonpath += [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return {
        "PATH": os.pathsep.join(path),
        "HOME": HOME,
        "USER": "student",
        "LANG": "C.UTF-8",
        "PYTHONPATH": os.pathsep.join(dict.fromkeys(pythonpath)),
        "PYTHONDONTWRITEBYTECODE": "1",
        "CRMLAB_DATA": str(data_home()),
        "MPLBACKEND": "Agg",
        **extra,
    }


def bwrap_command(
    command: list[str],
    workdir: str | os.PathLike,
    *,
    env: Mapping[str, str] = {},  # noqa: B006 - read only
    replace: Mapping[str, str | os.PathLike] = {},  # noqa: B006 - read only
    hide: tuple[str | os.PathLike, ...] = (),
) -> list[str]:
    """The ``bwrap`` call that runs ``command`` in a sandbox of its own (see the module).

    Parameters
    ----------
    command : list of str
        The command to run inside (absolute paths, or found on the sandbox's ``PATH``).
    workdir : path
        The submission's working copy on the host; inside it is :data:`WORKDIR`, the command's
        working directory and the only writable folder besides the private ``/tmp`` and ``HOME``.
    env : mapping
        Environment variables added to the sandbox's clean environment.
    replace : mapping
        Host file -> read-only file put in its place inside the sandbox (e.g. a module that must
        not be seen there).
    hide : tuple of paths
        Folders covered by an empty tmpfs inside the sandbox.

    Raises
    ------
    SandboxUnavailable
        bubblewrap cannot be used here (see :func:`sandbox_problem`).
    """
    problem = sandbox_problem()
    exe = _bwrap()
    if problem is not None or exe is None:
        raise SandboxUnavailable(f"{problem}; {INSTALL_HINT}")
    args = [
        exe,
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
    ]
    args += ["--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--cap-drop", "ALL"]
    args += ["--hostname", "sandbox"]
    # the private /tmp first: a project or venv that lives under /tmp is bound on top of it
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/dev/shm", "--tmpfs", "/tmp"]
    for path in read_only_paths():
        args += ["--ro-bind", str(path), str(path)]
    args += ["--tmpfs", HOME, "--bind", str(workdir), WORKDIR, "--chdir", WORKDIR]
    for target, source in replace.items():
        args += ["--ro-bind", str(source), str(target)]
    for folder in hide:
        if Path(folder).is_dir():
            args += ["--tmpfs", str(folder), "--remount-ro", str(folder)]
    args += ["--clearenv"]
    for key, value in _environment(env).items():
        args += ["--setenv", key, value]
    return [*args, "--", *command]
