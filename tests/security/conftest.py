"""Security regression tests (issue 19): one per finding of the probe, and the probe's attack
categories through HTTP, Slack and the CLI. Each test states the finding it guards (SECURITY.md)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # skit
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests.service.service_kit, tests.slack.slack_kit
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "slack"))  # slack_kit, as tests/slack imports it
