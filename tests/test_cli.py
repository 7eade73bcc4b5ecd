"""The ``urbanmap`` console script is installed and lists its commands."""

import subprocess
import sys


def test_cli_help_lists_build_geodata():
    out = subprocess.run([sys.executable, "-m", "urbanmap.cli", "--help"], capture_output=True, text=True, check=True)
    assert "build-geodata" in out.stdout
