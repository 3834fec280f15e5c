#!/usr/bin/env bash
# Rebalancing (issue 11): two traders share 20 accounts (10 each); a third
# joins mid-run.  The two hand accounts over at their rounds' ends (never
# mid-order) until each holds its fair share, and the third claims and
# trades them.  Then, read back from the simulator: every account at
# target within one round, never two orders live at once for one account
# (so never two epochs'), epochs in order, nothing open, base balances
# back.  The owners' state (lt_account_state) is in PostgreSQL and `ctl
# status` shows bought/target from it; a new owner cross-checked it.  The
# third runs every account but r10 and r20 (--only), the first ones the
# others hand over: nobody within its share can take those, so their old
# owners claim them back a lease later, beyond their share (orphans).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/pg_lib.sh"

N=20 TARGET=600 ROUND=50 LEASE=4000
coord_fleet r "$N" 57

PIDS=()
start_p() {
    local p=$1; shift
    lt_bg "$LT_TMP/p$p.out" "$LT_BIN/looptrader" --config "$LT_TMP/trader.conf" \
        --state-dir "$LT_TMP/state$p" --log-file "$LT_TMP/p$p.log" --report "$LT_TMP/p$p.json" \
        --coordinator "$PG_URL" --lease-ms $LEASE "$@"
    PIDS+=("$LT_LAST_PID")
}
start_p 1; start_p 2
for p in 1 2; do
    wait_for_line "$LT_TMP/p$p.log" 'coordinator: r[0-9]+ claimed' 20 || fail "process $p claimed nothing"
done
wait_for_line "$LT_TMP/p1.log" 'round 2 ' 30 || fail "process 1 never reached a second round"
claims() { grep -c 'coordinator: r[0-9]* claimed' "$LT_TMP/p$1.log"; }
echo "# claims before the third joins: p1 $(claims 1), p2 $(claims 2)"
ONLY=$(printf '%s\n' "${ACCTS[@]}" | grep -vx 'r10\|r20' | paste -sd,)
start_p 3 --only "$ONLY"
wait_for_line "$LT_TMP/p3.log" 'coordinator: r[0-9]+ claimed' 30 || fail "the late process never got an account"
ok "the late process claimed $(claims 3) account(s)"

# lt_running, not kill -0: an exited process is reaped at once, and its
# pid may be another's by the next poll
all_gone() { for p in "${PIDS[@]}"; do lt_running "$p" && return 1; done; return 0; }
wait_until 90 all_gone || fail "the processes did not finish within 90 s"
for i in 0 1 2; do
    rc=0; wait "${PIDS[$i]}" 2>/dev/null || rc=$?; lt_forget_pid "${PIDS[$i]}"
    assert_eq "$rc" 0 "p$((i + 1)) exited 0"
done
handed=$(cat "$LT_TMP/p1.log" "$LT_TMP/p2.log" | grep -c 'handed over at a round')
assert_true "$handed > 0" '{}' "the early processes handed accounts over ($handed)"
grep -q 'handed over' "$LT_TMP/p3.log" && fail "the late process, at or below its share, handed over"
grep -q 'lease lost\|fenced' "$LT_TMP"/p[123].log && fail "a lease was lost in a calm run"
grep -q 'saved state (epoch [0-9]*, last settled round [0-9-]*) agrees with the venue' "$LT_TMP/p3.log" ||
    fail "the late process did not cross-check a handed-over account's saved state"
ok "the late process cross-checked the saved state of what it took over"
# Which accounts the early processes hand over depends on where each is in
# its round when the third joins.  An r10/r20 handed over must be claimed
# again by p1 or p2: beyond the fair share when both are at theirs, or
# within it when one has fallen below (its other accounts done).
for a in r10 r20; do
    early=$(cat "$LT_TMP/p1.log" "$LT_TMP/p2.log")
    if grep -q "coordinator: $a handed over" <<<"$early"; then
        claimed=$(grep -c "coordinator: $a claimed" <<<"$early")
        beyond=$(grep -c "coordinator: $a claimed .*beyond the fair share" <<<"$early")
        assert_true "$claimed >= 2" '{}' "$a, which the late process does not run, was handed over and claimed back ($claimed claims, $beyond beyond the fair share)"
    else
        ok "$a stayed with its first owner"
    fi
done
grep -q 'r[12]0 claimed' "$LT_TMP/p3.log" && fail "the late process claimed an account it does not run"
run_of() { sed -nE 's/.* run ([0-9a-z]{6}): .*/\1/p' "$LT_TMP/p$1.log" | head -n 1; }
R1=$(run_of 1) R2=$(run_of 2) R3=$(run_of 3)

step=$(step_size)
printf '%-4s %-24s %9s %5s %10s %s\n' acct owners window open base_delta handover_pause
bad=0 late_traded=0
for u in "${ACCTS[@]}"; do
    win=$(window_buy "$u")
    http_as_ok "$u" GET /api/v3/openOrders symbol="$SYMBOL"
    open=$(jget 'len(j)' <<<"$BODY")
    now=$(base_balance "$u")
    http_as_ok "$u" GET /api/v3/allOrders symbol="$SYMBOL" limit=1000
    echo "$BODY" >"$LT_TMP/orders-$u.json"
    line=$(python3 - "$TARGET" "$ROUND" "$win" "$open" "${BASE_BEFORE[$u]}" "$now" "$step" \
                     "$R1" "$R2" "$R3" "$LT_TMP/orders-$u.json" <<'PY'
import json, sys
from decimal import Decimal as D
target, rnd, win, opn, b0, b1, step = (D(x) for x in sys.argv[1:8])
names = {sys.argv[8]: "p1", sys.argv[9]: "p2", sys.argv[10]: "p3"}
orders = sorted((o for o in json.load(open(sys.argv[11])) if o["clientOrderId"].startswith("lt.")),
                key=lambda o: o["orderId"])
run = lambda o: o["clientOrderId"].split(".")[1]
def epoch(o):
    last = o["clientOrderId"].split(".")[-1]
    return int(last.split("e")[1]) if "e" in last else 0
overlap = sum(1 for a, b in zip(orders, orders[1:]) if a["updateTime"] > b["time"])
owners = []  # (run, epoch): an owner taking an account back has a new epoch
for o in orders:
    if not owners or owners[-1] != (run(o), epoch(o)):
        owners.append((run(o), epoch(o)))
eps = [epoch(o) for o in orders]
why = []
if win < target: why.append("below target")
if win > target + rnd: why.append("beyond target by more than a round")
if opn != 0: why.append("open orders")
if abs(b1 - b0) > step: why.append("base not back")
if overlap: why.append("%d overlapping live orders" % overlap)
if 0 in eps: why.append("an order without its epoch")
if any(b < a for a, b in zip(eps, eps[1:])): why.append("an older epoch's order after a newer one's")
if len(set(eps)) != len(owners): why.append("owners and epochs disagree")
# the pause a handover costs: the old owner's last order's end to the new one's first order
gap = "".join("%.1fs " % ((b["time"] - a["updateTime"]) / 1000.0) for a, b in zip(orders, orders[1:])
              if (run(a), epoch(a)) != (run(b), epoch(b)))
print("%-24s %9s %5s %10s %s%s" % (">".join("%s(e%d)" % (names.get(r, r), e) for r, e in owners),
      win.normalize(), opn, (b1 - b0).normalize(), gap, "ok" if not why else "; ".join(why)))
PY
)
    printf '%-4s %s\n' "$u" "$line"
    [[ "$line" == *ok ]] || bad=$((bad + 1))
    [[ "$line" == *"p3(e"* ]] && late_traded=$((late_traded + 1))
done
[ "$bad" = 0 ] || fail "$bad account(s) failed the read-back checks (see the table)"
ok "every account at target within one round, nothing open, base back, one live order at a time (never two epochs'), epochs in order"
assert_true "$late_traded > 0" '{}' "the late process traded $late_traded account(s) at the venue"

assert_eq "$(pg_sql "SELECT count(*) FROM lt_account_state WHERE bought::numeric >= target::numeric AND target::numeric = $TARGET")" "$N" \
    "every account's saved state: bought at least its target"
out=$("$LT_BIN/looptrader" ctl --coordinator "$PG_URL" status 2>&1) || fail "ctl status: $out"
echo "$out" | head -4 | sed 's/^/#   /'
assert_contains "$out" "bought/target" "ctl status has a bought/target column"
assert_eq "$(echo "$out" | grep -cE "^r[0-9]+ .* [0-9.]+/$TARGET +done")" "$N" "ctl status: bought/target and done for every account"
lt_done
