#!/usr/bin/env bash
# Hostile venue, waits that must stay bounded, logged and stop-aware
# (issue 9, points 4 and 5):
#   ticker-zero, ticker-nan  bookTicker bid/ask 0 (Binance's empty side) or
#                 NaN, on REST and pushes: no order at such a price, the
#                 missing price is logged ("no price ..."), SIGTERM ends the
#                 run within 10 s (a wait that missed the stop never ends);
#   blackhole     a venue that accepts TCP and never answers (timeout_ms
#                 1000): the trader gives up by itself within 30 s with an
#                 error (some 22 s), and a SIGTERM during that start-up ends
#                 it within 10 s with the report written;
#   endless-pages allOrders pages that never end: the history read is
#                 bounded (200 pages of 1,000 orders: a day's order limit),
#                 the run ends by itself with an error, within 90 s (parsing
#                 200 full pages takes ~40 s under ASan on a loaded machine).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/hostile_lib.sh"

conf=$(hostile_config blackhole 'timeout_ms = 1000;')
hostile_start ticker-zero --seed 51 --lie ticker-zero
hostile_start ticker-nan --seed 52 --lie ticker-nan
hostile_start blackhole --lie blackhole
hostile_start blackhole-term --lie blackhole
hostile_start endless-pages --seed 53 --lie endless-pages
for c in ticker-zero ticker-nan; do hostile_trader "$c" alice --target 100; done
hostile_trader blackhole alice --config "$conf"
hostile_trader blackhole-term alice --config "$conf"
hostile_trader endless-pages alice --config "$conf" --target 100

sleep 1
hostile_stop blackhole-term 10
hostile_check_exit blackhole-term
hostile_expect blackhole-term "$(cat "$(hostile_dir blackhole-term)/stop_elapsed") <= 10" \
    "SIGTERM during start-up ended the run within 10 s"
hostile_expect blackhole-term "isinstance(j, dict) and 'users' in j" \
    "the report was written" "$(cat "$(hostile_dir blackhole-term)/report.json" 2>/dev/null || echo null)"

for c in ticker-zero ticker-nan; do
    if hostile_wait_log "$c" 'no price' 20; then ok "$c: the missing price is logged"
    else hostile_fail "$c" "no 'no price' line in 20 s"; fi
    hostile_stop "$c" 10
    hostile_check "$c" 100 50 alice
    hostile_expect "$c" "$(hostile_told "$c" "$c") > 0" "the lie was told ($(hostile_told "$c" "$c") times)"
done

hostile_wait blackhole 30
hostile_check_exit blackhole
hostile_expect blackhole "$(hostile_rc blackhole) != 0" "gave up on the silent venue with a failure status"
hostile_log_has blackhole 'ERROR.*(timed out|time-?out|deadline|no answer|not answer)'

hostile_wait endless-pages 90
hostile_check endless-pages 100 50 alice
hostile_expect endless-pages "$(hostile_rc endless-pages) != 0" "gave up on endless pages with a failure status"
hostile_log_has endless-pages 'ERROR'
hostile_done
