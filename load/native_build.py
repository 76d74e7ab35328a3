"""Build the mypyc-compiled core into a scratch copy of the package, for benchmarks and the equivalence test.

    python load/native_build.py DEST      # prints DEST; run with PYTHONPATH=DEST to use the compiled core

It copies ``detector/`` and ``setup.py`` to DEST and runs ``setup.py build_ext --inplace`` with
``CDR_DETECTOR_COMPILE=1`` (see setup.py for the module list).  The project's own tree is never touched, so
an editable install keeps running the .py sources.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
    built = sorted(p.name for p in (dest / "detector").glob("*.so"))
    if not built:
        raise RuntimeError("mypyc build produced no extension modules")
    return dest


if __name__ == "__main__":
    print(build_compiled(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("build/native")))
