#!/usr/bin/env bash
# The GPU check: on a machine with CUDA, run the CUDA tests, then time (one printed line per figure)
# bf16 statistics of a real model, PAS-exact at the LLaMA-8B shape per 1000 inputs, one held-out
# evaluation and the closed-form ablation rate at the 8B shape (scripts/gpu_figures.py). At most
# 10 minutes: 4 for the tests, 6 for the figures.
#
#   scripts/gpu_check.sh          # needs CUDA; exit 2 without it
#   scripts/gpu_check.sh --dry    # CPU only, tiny sizes: every step but the CUDA tests (the test suite runs it)
#
# PYTHON (default .venv/bin/python) is the interpreter with hedonic installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
export HF_HUB_OFFLINE=1 HEDONIC_NO_PROGRESS=1

if [ "${1:-}" = "--dry" ]; then
  echo "gpu_check: dry mode (CPU, tiny sizes; the CUDA tests are not run)"
  exec timeout 300 "$PYTHON" scripts/gpu_figures.py --dry
fi
if [ $# -gt 0 ]; then
  echo "usage: scripts/gpu_check.sh [--dry]" >&2
  exit 2
fi
if ! "$PYTHON" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)"; then
  echo "gpu_check: no CUDA device visible to torch; run scripts/gpu_check.sh --dry for the CPU-only dry mode" >&2
  exit 2
fi
"$PYTHON" -c "import torch; print('gpu_check:', torch.cuda.device_count(), 'x', torch.cuda.get_device_name(0), '| torch', torch.__version__, '| CUDA', torch.version.cuda)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
start=$(date +%s)
tests=0
timeout 240 "$PYTHON" -m pytest -q -m cuda -p no:cacheprovider tests >"$log" 2>&1 || tests=$?
tail -n 3 "$log"
echo "cuda tests: exit $tests, $(( $(date +%s) - start )) s"
timeout 360 "$PYTHON" scripts/gpu_figures.py --device cuda
exit "$tests"
