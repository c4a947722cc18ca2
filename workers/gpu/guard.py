"""The guard around Python method code in the method phase (issue 20).

Installed once the student model and the data are loaded and BEFORE the method's source runs;
it cannot be removed (audit hooks are permanent for the life of the process), so it is only
installed in a process that runs nothing trusted that needs files, sockets or processes later:

- an audit hook (PEP 578) that refuses opening any path except read-only opens inside the Python
  installation, its site-packages and this package (lazy imports need them) and /dev/null;
  sockets; processes (subprocess, os.system, exec, spawn, fork, kill); ctypes; changing files or
  directories; mmap; tracing; new audit hooks; resource limits; unpickling;
- os.environ replaced by a view that refuses every read made while method code is on the stack
  ("method code may not read the environment"); trusted library code still reads it;
- a wall limit per hook call (SIGALRM via setitimer, AAR_METHOD_CALL_SECONDS, default 60), with
  a watchdog thread that ends the process if a hook swallows the timeout and keeps running;
- a thread that ends the process when its parent (the worker) is gone.

The AST check and the restricted builtins and modules the source sees are in method_code.py.
What this does not stop: native code reached through a gadget in torch or numpy that reads or
writes without passing through Python's audited calls (see README.md, "Method code").
"""

from __future__ import annotations

import json
import os
import signal
import site
import sys
import sysconfig
import threading
import time
from collections.abc import MutableMapping
from typing import Callable, Optional

METHOD_FILENAME = "<method>"
HERE = os.path.dirname(os.path.abspath(__file__))
NO_ACCESS = "method code runs without file, network, process or environment access"
EXIT_METHOD_FAILED = 3


class GuardRefusal(BaseException):
    """Raised by the audit hook or the environment view. A BaseException, so `except Exception`
    in method code does not swallow it."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


class MethodTimeout(BaseException):
    """A hook ran past its wall limit (a BaseException for the same reason)."""

    def __init__(self, hook: str, seconds: float):
        super().__init__(f"ran past its limit of {seconds:g} s per call (AAR_METHOD_CALL_SECONDS)")
        self.hook = hook
        self.seconds = seconds


def method_on_stack() -> bool:
    """True when a frame of the method's source is on the current thread's stack."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename == METHOD_FILENAME:
            return True
        frame = frame.f_back
    return False


class ScrubbedEnviron(MutableMapping):
    """Stands in for os.environ: method code (anything with a method frame on the stack) gets a
    clear error on any read or write; trusted code reads the values the process started with."""

    def __init__(self, original: dict):
        self.original = dict(original)

    def _check(self) -> None:
        if method_on_stack():
            raise GuardRefusal("method code may not read the environment")

    def __getitem__(self, key):
        self._check()
        return self.original[key]

    def __setitem__(self, key, value):
        self._check()
        self.original[key] = value

    def __delitem__(self, key):
        self._check()
        del self.original[key]

    def __iter__(self):
        self._check()
        return iter(dict(self.original))

    def __len__(self):
        self._check()
        return len(self.original)

    def __contains__(self, key):
        self._check()
        return key in self.original

    def copy(self):
        self._check()
        return dict(self.original)

    def __repr__(self):
        self._check()
        return f"environ({self.original!r})"


def _roots() -> tuple:
    """Folders method-phase code may read from (read-only): the Python installation, site-packages
    and this package. Not sys.path as a whole: it holds the working directory and PYTHONPATH."""
    paths = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        p = sysconfig.get_paths().get(key)
        if p:
            paths.add(p)
    try:
        paths.update(site.getsitepackages())
        paths.add(site.getusersitepackages())
    except Exception:  # noqa: BLE001 - some embedded Pythons lack these
        pass
    paths.update(p for p in sys.path if p and p.rstrip("/").endswith(("site-packages", "dist-packages")))
    paths.add(HERE)
    out = []
    for p in paths:
        try:
            out.append(os.path.realpath(p))
        except OSError:
            pass
    return tuple(sorted({p.rstrip("/") + "/" for p in out if os.path.isdir(p)}))


WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

# Audit events refused outright (prefix match where the name ends with a dot), with what the agent reads.
REFUSED = {
    "socket.": "may not use the network (sockets)",
    "subprocess.Popen": "may not start processes",
    "os.system": "may not start processes",
    "os.exec": "may not start processes",
    "os.posix_spawn": "may not start processes",
    "os.spawn": "may not start processes",
    "os.fork": "may not start processes (fork)",
    "os.forkpty": "may not start processes (fork)",
    "pty.spawn": "may not start processes",
    "os.startfile": "may not start processes",
    "os.kill": "may not send signals",
    "os.killpg": "may not send signals",
    "signal.pthread_kill": "may not send signals",
    "ctypes.": "may not call native code (ctypes)",
    "sys.settrace": "may not trace the interpreter",
    "sys.setprofile": "may not trace the interpreter",
    "sys.addaudithook": "may not change the audit hooks",
    "sys.excepthook": "may not change the interpreter's hooks",
    "sys.unraisablehook": "may not change the interpreter's hooks",
    "mmap.__new__": "may not map files (mmap)",
    "resource.setrlimit": "may not change resource limits",
    "resource.prlimit": "may not change resource limits",
    "pickle.find_class": "may not unpickle objects",
    "os.putenv": "may not change the environment",
    "os.unsetenv": "may not change the environment",
    "os.chdir": "may not change the working directory",
    "os.remove": "may not change files",
    "os.rmdir": "may not change files",
    "os.rename": "may not change files",
    "os.mkdir": "may not change files",
    "os.chmod": "may not change files",
    "os.chown": "may not change files",
    "os.link": "may not change files",
    "os.symlink": "may not change files",
    "os.truncate": "may not change files",
    "os.utime": "may not change files",
    "os.chflags": "may not change files",
    "os.setxattr": "may not change files",
    "os.removexattr": "may not change files",
    "shutil.": "may not change files (shutil)",
    "tempfile.": "may not create files",
    "glob.glob": "may not list folders",
    "syslog.": "may not write to the system log",
    "webbrowser.open": "may not start processes",
    "urllib.Request": "may not use the network",
    "http.client.connect": "may not use the network",
    "ftplib.": "may not use the network",
    "smtplib.": "may not use the network",
    "sqlite3.": "may not open databases",
    "winreg.": "may not read the registry",
}
_EXACT = {k: v for k, v in REFUSED.items() if not k.endswith(".")}
_PREFIX = tuple((k, v) for k, v in REFUSED.items() if k.endswith("."))


class Guard:
    """The installed guard: call limits and the watchdog live here; see install()."""

    def __init__(self, call_seconds: float, error_line: Callable[[str, Optional[str]], str]):
        self.call_seconds = call_seconds
        self.roots = _roots()
        self.import_dirs = {os.path.realpath(p or ".") for p in sys.path if isinstance(p, str)}
        self.error_line = error_line
        self.local = threading.local()
        self.current: Optional[str] = None
        self.deadline: Optional[float] = None
        self.timed_out = False

    # -- the audit hook --------------------------------------------------------------------------
    def audit(self, event: str, args: tuple) -> None:
        if getattr(self.local, "busy", False):
            return
        self.local.busy = True
        try:
            self._audit(event, args)
        finally:
            self.local.busy = False

    def _refuse(self, what: str) -> None:
        raise GuardRefusal(what)

    def _audit(self, event: str, args: tuple) -> None:
        if event == "open":
            self._check_open(args)
            return
        if event in ("os.listdir", "os.scandir"):
            path = args[0] if args else "."
            if not self._readable(path) and not self._on_path(path):
                self._refuse(f"may not list folders (tried {path!r})")
            return
        what = _EXACT.get(event)
        if what is None:
            for prefix, text in _PREFIX:
                if event.startswith(prefix):
                    what = text
                    break
        if what is None:
            return
        if event == "sys.addaudithook":
            raise RuntimeError(f"{what}")  # CPython then skips adding the new hook
        detail = ""
        if args and isinstance(args[0], (str, bytes)) and event.startswith(("subprocess", "os.", "socket.")):
            detail = f" (tried {args[0]!r})"
        elif event.startswith("subprocess") and args:
            detail = f" (tried {args[1]!r})" if len(args) > 1 else ""
        self._refuse(what + detail)

    def _check_open(self, args: tuple) -> None:
        path = args[0] if args else None
        mode = args[1] if len(args) > 1 else None
        flags = args[2] if len(args) > 2 else 0
        if isinstance(path, int):
            self._refuse(f"may not open files (tried file descriptor {path})")
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(path, str):
            self._refuse(f"may not open files (tried {path!r})")
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int) and flags & WRITE_FLAGS)
        if writing:
            self._refuse(f"may not write files (tried {path!r})")
        if not self._readable(path):
            self._refuse(f"may not open files (tried {path!r})")

    def _on_path(self, path) -> bool:
        """A folder on sys.path: the import system lists them (names only) to find modules."""
        try:
            return os.path.realpath(os.fspath(path)) in self.import_dirs
        except (TypeError, ValueError, OSError):
            return False

    def _readable(self, path) -> bool:
        if isinstance(path, int):
            return False
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        try:
            real = os.path.realpath(os.fspath(path))
        except (TypeError, ValueError, OSError):
            return False
        if real == "/dev/null":
            return True
        real_dir = real.rstrip("/") + "/"
        return any(real_dir.startswith(root) for root in self.roots)

    # -- per-call limits -------------------------------------------------------------------------
    def _alarm(self, signum, frame) -> None:
        if self.current is None:
            return
        self.timed_out = True
        # Fire again soon: a hook that swallows the exception meets it again, and the watchdog ends it.
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        raise MethodTimeout(self.current, self.call_seconds)

    def call(self, hook: str, fn: Callable, *args):
        """Runs one hook call under the wall limit (a hook called from inside another, such as
        format_text under loss's batch.forward, runs under the outer call's limit)."""
        if self.current is not None:
            return fn(*args)
        self.current, self.timed_out = hook, False
        self.deadline = time.monotonic() + self.call_seconds
        signal.setitimer(signal.ITIMER_REAL, self.call_seconds)
        try:
            result = fn(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self.current, self.deadline = None, None
        if self.timed_out:
            raise MethodTimeout(hook, self.call_seconds)
        return result

    def _watchdog(self) -> None:
        while True:
            time.sleep(0.5)
            deadline, hook = self.deadline, self.current
            if deadline is not None and hook is not None and time.monotonic() > deadline + 5:
                line = self.error_line(f"method code: {hook}: ran past its limit of {self.call_seconds:g} s per call "
                                       "(AAR_METHOD_CALL_SECONDS) and did not stop", hook)
                os.write(2, (line + "\n").encode())
                os._exit(EXIT_METHOD_FAILED)

    @staticmethod
    def _parent_watch(parent: int) -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(EXIT_METHOD_FAILED)


def error_line(message: str, hook: Optional[str] = None, line: Optional[int] = None) -> str:
    """The last stderr line of a method failure: AAR_METHOD_ERROR {"message", "hook", "line"}."""
    payload = {"message": message[:2000]}
    if hook:
        payload["hook"] = hook
    if line:
        payload["line"] = line
    return "AAR_METHOD_ERROR " + json.dumps(payload)


def _defang_modules() -> None:
    """Replaces torch's and numpy's public file readers and writers implemented in native code
    (invisible to the audit hook) with refusals. The AST check already refuses these names."""

    def refused(*_a, **_k):
        raise GuardRefusal("may not open files (native file access)")

    targets = []
    torch = sys.modules.get("torch")
    if torch is not None:
        targets += [(torch, "from_file"), (torch, "load"), (torch, "save")]
        for cls in ("UntypedStorage", "TypedStorage", "ByteStorage", "FloatStorage"):
            if hasattr(torch, cls):
                targets.append((getattr(torch, cls), "from_file"))
        jit = sys.modules.get("torch.jit")
        if jit is not None:
            targets += [(jit, "load"), (jit, "save")]
        for name in ("torch.ops", "torch._ops"):
            ops = sys.modules.get(name)
            if ops is not None and hasattr(ops, "load_library"):
                targets.append((ops, "load_library"))
    np = sys.modules.get("numpy")
    if np is not None:
        targets += [(np, "fromfile"), (np, "load"), (np, "save"), (np, "memmap")]
    for obj, name in targets:
        try:
            if hasattr(obj, name):
                setattr(obj, name, refused)
        except (AttributeError, TypeError):
            pass


def install() -> Guard:
    """Installs the guard for the rest of the process's life. Call after the model and data are
    loaded and every trusted file is read, before the method's source is executed."""
    raw = os.environ.get("AAR_METHOD_CALL_SECONDS", "")
    try:
        seconds = float(raw) if raw else 60.0
    except ValueError:
        seconds = 60.0
    guard = Guard(max(0.05, seconds), lambda message, hook: error_line(message, hook))
    # Lazy imports the trusted code needs later, done now while files may still be opened.
    import traceback  # noqa: F401
    import linecache  # noqa: F401

    # Lazy imports from here on must not try to write .pyc files (refused below).
    sys.dont_write_bytecode = True
    _defang_modules()
    os.environ = ScrubbedEnviron(os.environ)  # type: ignore[assignment]
    signal.signal(signal.SIGALRM, guard._alarm)
    threading.Thread(target=guard._watchdog, name="aar-method-watchdog", daemon=True).start()
    threading.Thread(target=Guard._parent_watch, args=(os.getppid(),), name="aar-parent-watch", daemon=True).start()
    sys.addaudithook(guard.audit)
    return guard


def is_out_of_memory(e: BaseException) -> bool:
    if isinstance(e, MemoryError):
        return True
    text = str(e)
    return type(e).__name__ == "OutOfMemoryError" or "out of memory" in text.lower() or "can't allocate memory" in text

