#!/usr/bin/env bash
# Issue 21's bar: `npm test` N times in a row (default 5) while `npm run bench -- --quick` loops
# beside it, both at one commit in throw-away worktrees outside the repo, so main can move on.
#   scripts/tests-under-load.sh [commit] [runs]    (logs and summary in $TMPDIR/tickets-under-load)
set -u
cd "$(dirname "$0")/.."
repo=$(pwd); commit=${1:-HEAD}; runs=${2:-5}
out="${TMPDIR:-/tmp}/tickets-under-load"; mkdir -p "$out"; rm -f "$out"/*.log "$out"/summary "$out"/stop
for w in tests bench; do
  git worktree remove --force "$out/wt-$w" 2>/dev/null
  git worktree add -q --detach "$out/wt-$w" "$commit"
  ln -s "$repo/node_modules" "$out/wt-$w/node_modules"
done
(cd "$out/wt-bench" && npm run build --silent) > "$out/bench-build.log" 2>&1
(
  cd "$out/wt-bench"; i=0
  while [ ! -f "$out/stop" ]; do
    i=$((i + 1)); s=$(date +%s)
    node dist/bench/run.js --quick > "$out/bench-$i.log" 2>&1
    echo "bench $i rc=$? $(($(date +%s) - s))s $(date -u +%T)" >> "$out/summary"
  done
) &
status=0
for i in $(seq 1 "$runs"); do
  s=$(date +%s)
  (cd "$out/wt-tests" && npm test > "$out/test-$i.log" 2>&1); rc=$?
  [ "$rc" -eq 0 ] || status=1
  echo "test $i rc=$rc $(($(date +%s) - s))s load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/summary"
done
touch "$out/stop"; wait
for w in tests bench; do git worktree remove --force "$out/wt-$w"; done
cat "$out/summary"
exit "$status"
