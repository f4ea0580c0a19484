#!/usr/bin/env bash
# RELIABILITY.md scenario 1 at full length: the built gateway is SIGKILLed at random moments in
# 20 rounds while carriers post and the outbox delivers (CI runs the same test with 4 rounds).
# Usage: scripts/crash-harness.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
DELAYGATE_CRASH_ROUNDS=${1:-20} swift test --filter CrashHarnessTests
