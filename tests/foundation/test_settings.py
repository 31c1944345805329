"""Production-safe settings: `check --deploy` is clean once HTTPS is declared; no SECRET_KEY is fatal."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "HTTPS")}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_check_deploy_is_clean_behind_https():
    result = manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY="x" * 20 + "-production-secret-" + "y" * 20,
                    HTTPS="1", DEBUG="0")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_missing_secret_key_is_refused_in_production():
    result = manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
