"""Build the mypyc-compiled core into a scratch copy of the package, for benchmarks and the tests.

    python load/native_build.py DEST      # prints DEST; run with PYTHONPATH=DEST to use the compiled core
    python load/native_build.py --cached  # builds into .cache/native/<key> unless that build is up to date

It copies ``detector/`` and ``setup.py`` to DEST and runs ``setup.py build_ext --inplace`` with
``CDR_DETECTOR_COMPILE=1`` (see setup.py for the module list).  The project's own tree is never touched, so
an editable install keeps running the .py sources.  Run the compiled core from a working directory other than
the repository root: there the source tree's ``detector/`` comes first on ``sys.path`` and shadows the build.

:func:`cached_build` keys a build by the contents of ``detector/``, ``setup.py``, this file, the Python and the
mypy version, and reuses it while the key is the same (scripts/compiled_tests.py and tests/test_compiled.py
share it, so the suite compiles once).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "native"


def compiled_modules() -> list[str]:
    """The modules setup.py compiles (its ``COMPILED`` list), as dotted names: ``detector.parse`` ..."""
    tree = ast.parse((ROOT / "setup.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "COMPILED" for t in node.targets):
            paths = ast.literal_eval(node.value)
            return [p.removesuffix(".py").replace("/", ".") for p in paths]
    raise RuntimeError("setup.py has no COMPILED list")


def build_compiled(dest: Path, timeout: float = 900.0) -> Path:
    """Compile into ``dest`` (created); return the directory to put first on PYTHONPATH."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "detector", dest / "detector", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    shutil.copy2(ROOT / "setup.py", dest / "setup.py")
    env = {**os.environ, "CDR_DETECTOR_COMPILE": "1"}
    proc = subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace"], cwd=dest, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"mypyc build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    built = {p.name.split(".")[0] for p in (dest / "detector").glob("*.so")}
    missing = [m for m in compiled_modules() if m.split(".")[-1] not in built]
    if missing:
        raise RuntimeError(f"mypyc build produced no extension module for {missing}")
    return dest


def build_key() -> str:
    """What a build depends on: every file of ``detector/``, setup.py, this file, the Python and mypy."""
    h = hashlib.sha256()
    h.update(f"{sys.version}\0{sys.platform}\0mypy {importlib.metadata.version('mypy')}\0".encode())
    files = sorted(p for p in (ROOT / "detector").rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".so", ".pyc"))
    for p in [*files, ROOT / "setup.py", Path(__file__).resolve()]:
        h.update(p.relative_to(ROOT).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()[:20]


def cached_build(cache: Path = CACHE) -> Path:
    """The compiled core of the current sources under ``cache/<key>``: reused when built before, else built
    in a scratch directory beside it and renamed into place (so a half-done build is never reused, and two
    runs at once do not mix), older keys removed."""
    key = build_key()
    dest = cache / key
    if (dest / ".complete").exists():
        return dest
    cache.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"tmp-{key}-", dir=cache))
    try:
        build_compiled(scratch)
        (scratch / ".complete").write_text(key + "\n")
        try:
            scratch.rename(dest)
        except OSError:  # another run finished the same build first
            if not (dest / ".complete").exists():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for old in cache.iterdir():  # other keys, and scratch left by a run that was killed (an hour old)
        if old.name != key and (not old.name.startswith("tmp-") or time.time() - old.stat().st_mtime > 3600):
            shutil.rmtree(old, ignore_errors=True)
    return dest


if __name__ == "__main__":
    if sys.argv[1:] == ["--cached"]:
        print(cached_build())
    else:
        print(build_compiled(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("build/native")))
