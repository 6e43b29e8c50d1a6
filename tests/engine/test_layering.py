"""The dependency arrow: the engine never pulls in the UI."""

from __future__ import annotations

import subprocess
import sys


def test_engine_import_does_not_load_textual() -> None:
    code = (
        "import sys, importlib, pkgutil\n"
        "HEAVY = {'textual', 'rich', 'plotext', 'sympy', 'torch'}\n"
        "import bptutor.engine as e\n"
        "for m in pkgutil.iter_modules(e.__path__):\n"
        "    importlib.import_module('bptutor.engine.' + m.name)\n"
        "bad = sorted(k for k in sys.modules if k.split('.')[0] in HEAVY)\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"engine imported UI/heavy modules: {out.stdout}"


def test_engine_has_modules() -> None:
    import pkgutil

    import bptutor.engine as e

    assert any(True for _ in pkgutil.iter_modules(e.__path__))
