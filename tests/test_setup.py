"""The set-up refuses an old Python rather than falling back to Mesa 3.3."""

import os
import shutil
import subprocess

from .conftest import ROOT


def test_bootstrap_explains_what_to_do_without_python_312(tmp_path):
    (tmp_path / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "bootstrap", tmp_path / "tools" / "bootstrap")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    only_old = tmp_path / "bin"
    only_old.mkdir()
    for tool in ("bash", "dirname", "rm", "touch", "env"):
        os.symlink(shutil.which(tool), only_old / tool)
    fake = only_old / "python3"  # a Python that reports 3.11
    fake.write_text("#!/bin/bash\nexec /usr/bin/env -i PATH=/usr/bin:/bin python3.11 \"$@\"\n"
                    if os.path.exists("/usr/bin/python3.11") else
                    "#!/bin/bash\n[ \"$1\" = -c ] && exit 1\necho Python 3.11.0\n")
    fake.chmod(0o755)
    env = {"PATH": str(only_old), "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "none"),
           "BOOTSTRAP_SYSTEM_DIRS": str(tmp_path / "none")}
    proc = subprocess.run(["bash", "tools/bootstrap"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "needs Python 3.12 or newer" in proc.stderr
    assert "PYTHON=" in proc.stderr
    assert not (tmp_path / ".venv").exists()
