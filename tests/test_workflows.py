"""The GitHub workflows install what the commands they run need."""

from __future__ import annotations

import re

import pytest
import yaml
from conftest import REPO

from nzdefence.cli import CHECKING_COMMANDS

WORKFLOWS = sorted((REPO / ".github/workflows").glob("*.yml"))
# `pip install <target>`, the target with any extras: ".[validate]", "$RUNNER_TEMP/base[test]".
INSTALL = re.compile(r"pip install\b[^\n]*?\s\"?([^\s\"]+)\"?\s*$", re.MULTILINE)
COMMAND = re.compile(r"(?:^|[\s;&|])nzdefence ([a-z]+)")


def jobs_of(workflow) -> dict:
    return yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[path.name for path in WORKFLOWS])
def test_a_job_that_checks_a_checkout_installs_the_validate_extra(workflow):
    """`nzdefence validate` and the other checking commands stop without pandera and
    frictionless: a job that runs one must install nzdefence with them."""
    jobs = jobs_of(workflow)
    for name, job in jobs.items():
        scripts = [step.get("run", "") for step in job.get("steps", [])]
        checking = {
            command
            for script in scripts
            for command in COMMAND.findall(script)
            if command in CHECKING_COMMANDS
        }
        if not checking:
            continue
        installed = [target for script in scripts for target in INSTALL.findall(script)]
        assert any(re.search(r"\[(validate|test)\]$", t) for t in installed), (
            f"{workflow.name}: job {name} runs nzdefence {', '.join(sorted(checking))} "
            f"but installs only {installed}"
        )


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[path.name for path in WORKFLOWS])
def test_every_job_has_a_timeout(workflow):
    """A job that hangs stops within its limit instead of GitHub's six hours."""
    jobs = jobs_of(workflow)
    assert [name for name, job in jobs.items() if "timeout-minutes" not in job] == []
