#!/bin/sh
# The SLA's checks, for any CI and for the Makefile:
#   ./ci.sh            check, then execute the notebooks, then write the review (what CI runs)
#   ./ci.sh check      exit 3, naming each commitment, when one is below the SLA's confidence
#                      or marketing's and sales' promises do not fit together
#   ./ci.sh notebooks  execute notebooks/ with nbval (a cell that fails fails the run)
#   ./ci.sh review     write reports/review.html (the review to send before the meeting)
#   ./ci.sh backtest   how the kit's past answers on this data turned out
#   ./ci.sh diff REV   what the change since REV (a commit, e.g. origin/main) does to each
#                      commitment, as Markdown for a pull request
# slaplan and python are taken from PATH (SLAPLAN=..., PYTHON=... to choose others).
set -eu
cd "$(dirname "$0")"
SLAPLAN="${SLAPLAN:-slaplan}"
PYTHON="${PYTHON:-python}"
LEADS="--leads source.yaml"
DATA="$LEADS"
if [ -f team.csv ]; then DATA="$DATA --team team.csv"; fi  # the backtest applies no roster

check() {
    "$SLAPLAN" check --sla sla.yaml $DATA --fail-under
}
notebooks() {
    "$PYTHON" -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider -q notebooks
}
review() {
    "$SLAPLAN" review --sla sla.yaml $DATA --notebook notebooks/review.ipynb \
        --out reports/review.html
}
backtest() {
    "$SLAPLAN" backtest --sla sla.yaml $LEADS
}
sla_diff() {
    "$SLAPLAN" diff "${1:?usage: ./ci.sh diff REV}:sla.yaml" sla.yaml $DATA --format markdown
}

step="${1:-all}"
case "$step" in
    all) check && notebooks && review ;;
    check | notebooks | review | backtest) "$step" ;;
    diff) shift && sla_diff "$@" ;;
    *) echo "usage: ./ci.sh [all|check|notebooks|review|backtest|diff REV]" >&2 && exit 2 ;;
esac
