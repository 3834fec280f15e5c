#!/usr/bin/env python3
"""bench.py - the trader's figures against looptrader-sim (make bench).

Runs the scenarios of docs/performance.md on loopback: generates the venue's
and the trader's configurations for N accounts, starts a fresh simulator
per measurement, drives the real binaries, reads the trader's in-process
marks (LT_LATENCY_FILE, src/ops/latency.c), its CPU and memory (/proc, wait4)
and the simulator's per-endpoint counts (--stats-file).  Prints one JSON
line per scenario and a table of figures beside the goals of issue 7.

The reference scenario runs the same job on ccxt (test/compat/ccxt_ref.js,
Node; ccxt from scripts/ccxt-install.sh) beside the trader; without node or
that install it prints why it skipped, and the others run.

Every wait is bounded; a scenario that overruns its bound reports "did not
finish in T s" and the next one runs.  Not a test: it asserts nothing and
exits 0 unless the binaries cannot be started at all.

    scripts/bench.py [--only latency,marginal,reference,weight,throughput,scale]
                     [--quick] [--keep] [--log-level info|warn|...]
                     [--compare EARLIER-STDOUT] [--reference-fills watch,poll]

--quick shrinks every scenario (a smoke run of the instrument itself);
--keep leaves the temporary directory (configurations, logs) for reading;
--compare prints an earlier run's figures (its saved standard output) in a
"before" column; --reference-fills lists the ways the ccxt reference learns
of fills, a pair of runs each (ccxt_ref.js --fills: its user stream, watch,
or fetchOrder polls, poll; both by default).
Environment: BUILD (default build/release).
"""
import argparse
import datetime
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build/release"))
TRADER = os.path.join(BUILD, "bin", "looptrader")
SIM = os.path.join(BUILD, "bin", "looptrader-sim")
HZ = os.sysconf("SC_CLK_TCK")
SYMBOL = "ALPHAUSDT"
BUY = 10.0  # quote per round: twice the minimum notional, so every round is one order per side

# Issue 7's goals, beside each figure.
GOALS = {
    "marginal_us_per_order": ("<=", 40.0),
    "throughput_us_per_order": ("<=", 60.0),
    "tick_to_order_p99_us": ("<=", 100.0),
    "rss_per_account_kib": ("<=", 8.0),
    "first_order_s": ("<", 2.0),
    "weight_per_round": ("<=", 2.5),
    "leaner_x": (">=", 50.0),
}


def log(msg):
    print("# " + msg, file=sys.stderr, flush=True)


# ---- configurations -------------------------------------------------------

def account_name(i):
    return "b%05d" % i


def write_sim_conf(path, n):
    """A venue with n accounts of ample balances, a book deep enough that
    every rung fills, and rate limits advertised so high that the trader
    never paces itself: the figures are the program's, not a thin book's or
    Binance's budget's (the weight scenario counts the weight instead)."""
    with open(path, "w") as f:
        f.write("tick_ms = 100;\nfees = { maker = \"0.001\"; taker = \"0.001\"; };\n")
        f.write("limits = { weight_per_minute = 100000000; orders_per_10s = 100000000; "
                "orders_per_day = 2000000000; };\n")
        f.write("symbols = ( { symbol = \"%s\"; base = \"ALPHA\"; quote = \"USDT\"; "
                "status = \"TRADING\"; base_precision = 8; quote_precision = 8; "
                "tick_size = \"0.0001\"; min_price = \"0.0001\"; max_price = \"1000\"; "
                "step_size = \"0.1\"; min_qty = \"0.1\"; max_qty = \"9000000\"; "
                "min_notional = \"5\"; start_price = \"1.2500\"; volatility = 0.0003; "
                "trade_rate = 0.3; spread_ticks = 2; level_gap_ticks = 1; levels = 20; "
                "level_qty = \"1000000\"; } );\n" % SYMBOL)
        f.write("accounts = (\n")
        for i in range(n):
            nm = account_name(i)
            f.write("  { name = \"%s\"; api_key = \"%s-key\"; api_secret = \"%s-secret-bench\"; "
                    "balances = { USDT = \"100000000\"; ALPHA = \"0\"; }; }%s\n"
                    % (nm, nm, nm, "," if i + 1 < n else ""))
        f.write(");\n")


# exchange.order_transport of every trader config written: --order-transport,
# or LT_ORDER_TRANSPORT for the scripts that import this one (bench-syscalls.py);
# None writes none: the trader's default, "ws-api" for these configs.
ORDER_TRANSPORT = os.environ.get("LT_ORDER_TRANSPORT") or None


def write_trader_conf(d, n, workers, target, log_level="info"):
    users = os.path.join(d, "users.conf")
    with open(users, "w") as f:
        f.write("users = (\n")
        for i in range(n):
            nm = account_name(i)
            f.write("  { name = \"%s\"; api_key = \"%s-key\"; api_secret = \"%s-secret-bench\"; }%s\n"
                    % (nm, nm, nm, "," if i + 1 < n else ""))
        f.write(");\n")
    os.chmod(users, 0o600)
    conf = os.path.join(d, "trader.conf")
    with open(conf, "w") as f:
        f.write("exchange = { user_stream = \"ws-api\";%s };\n"
                % (" order_transport = \"%s\";" % ORDER_TRANSPORT if ORDER_TRANSPORT else ""))
        f.write("strategy = { symbol = \"%s\"; buy_amount = %.1f; target = %.1f; slippage = 0.001; "
                "slippage_step = 0.002; max_tries = 5; fill_timeout_ms = 2000; "
                "time_in_force = \"GTC\"; window = \"utc-day\"; };\n" % (SYMBOL, BUY, target))
        f.write("workers = %d;\nlog_level = \"%s\";\nusers_file = \"users.conf\";\n"
                % (workers, log_level))
    return conf


# ---- processes ------------------------------------------------------------

def proc_cpu_s(pid):
    """User + system CPU seconds of a live process (/proc/<pid>/stat)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / HZ
    except (OSError, IndexError, ValueError):
        return None


def proc_kib(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def read_json(path):
    """The JSON a process wrote at exit, or None when it wrote none."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def free_port():
    """A loopback port nobody listens on (the streams-down runs point there)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Sim:
    def __init__(self, conf, d, extra=()):
        self.stats_path = os.path.join(d, "sim-stats.json")
        self.log_path = os.path.join(d, "sim.log")
        args = [SIM, "--port", "0", "--config", conf, "--seed", "7", "--log-level", "warn",
                "--stats-file", self.stats_path] + list(extra)
        self.logf = open(self.log_path, "wb")
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.logf)
        self.port = None
        deadline = time.time() + 60
        while time.time() < deadline:
            line = self.p.stdout.readline()
            if not line:
                break
            m = re.match(rb"listening on 127\.0\.0\.1:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                break
        if self.port is None:
            self.stop()
            raise RuntimeError("simulator did not start (see %s)" % self.log_path)

    def cpu(self):
        return proc_cpu_s(self.p.pid)

    def snapshot(self, timeout=3.0):
        """Its per-endpoint counts now: SIGUSR1 makes it write them at its
        next tick (every 100 ms); {} if it did not within timeout s."""
        try:
            os.unlink(self.stats_path)
        except FileNotFoundError:
            pass
        self.p.send_signal(signal.SIGUSR1)
        deadline = time.time() + timeout
        while time.time() < deadline and self.p.poll() is None:
            got = read_json(self.stats_path)
            if got is not None:
                return got
            time.sleep(0.02)
        return {}

    def orders(self):
        """New orders it received so far (refused ones included), or None."""
        snap = self.snapshot()
        return snap.get("POST /api/v3/order", {}).get("calls", 0) if snap else None

    def wait_first_order(self, trader, timeout):
        """Waits until the trader's first order reaches the venue; True then."""
        deadline = time.time() + timeout
        while time.time() < deadline and trader.alive():
            if (self.orders() or 0) > 0:
                return True
            time.sleep(0.2)
        return (self.orders() or 0) > 0

    def wait_subscriptions(self, n, timeout):
        """Waits until n user-data subscriptions reached the WS API; True then.
        By the WS API's own weight (2 a subscription): with order_transport
        "ws-api" its calls count the orders too, which it charges to the REST
        endpoints."""
        deadline = time.time() + timeout
        while time.time() < deadline and self.p.poll() is None:
            if self.snapshot().get("WS /ws-api/v3", {}).get("weight", 0) >= 2 * n:
                return True
            time.sleep(0.2)
        return False

    def stop(self):
        """Stops it and returns its per-endpoint counts (or {})."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.logf.close()
        if self.p.stdout:
            self.p.stdout.close()
        return read_json(self.stats_path) or {}


class Child:
    """A process in the background, reaped with wait4 for its rusage."""

    def __init__(self, args, out_path, env=None, preexec_fn=None):
        self.out = open(out_path, "wb")
        self.started_ns = time.time_ns()
        self.p = subprocess.Popen(args, stdout=self.out, stderr=subprocess.STDOUT, env=env,
                                  preexec_fn=preexec_fn)
        self.rusage = None
        self.rc = None
        self.wall_s = None

    def alive(self):
        if self.rc is not None:
            return False
        pid, status, ru = os.wait4(self.p.pid, os.WNOHANG)
        if pid == 0:
            return True
        self._reaped(status, ru)
        return False

    def _reaped(self, status, ru):
        self.rc = os.waitstatus_to_exitcode(status)
        self.p.returncode = self.rc
        self.rusage = ru
        self.wall_s = (time.time_ns() - self.started_ns) / 1e9
        self.out.close()

    def wait(self, timeout):
        """Waits up to timeout s; True when it exited by itself."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not self.alive():
                return True
            time.sleep(0.05)
        return not self.alive()

    def stop(self, grace=20, what="trader"):
        """SIGTERM (graceful: report and marks written), SIGKILL after grace s."""
        if self.alive():
            self.p.send_signal(signal.SIGTERM)
            if not self.wait(grace):
                log("%s ignored SIGTERM for %d s; killed" % (what, grace))
                self.p.kill()
                _, status, ru = os.wait4(self.p.pid, 0)
                self._reaped(status, ru)

    def cpu_total(self):
        """CPU seconds of the finished process (wait4's rusage)."""
        return self.rusage.ru_utime + self.rusage.ru_stime if self.rusage else None


class Trader(Child):
    """looptrader in the background, its marks in latency.json."""

    def __init__(self, d, conf, sim, extra=(), ws_url=None, nice=0):
        self.d = d
        self.log_path = os.path.join(d, "trader.log")
        self.report_path = os.path.join(d, "report.json")
        self.lat_path = os.path.join(d, "latency.json")
        for p in (self.log_path, self.report_path, self.lat_path):
            if os.path.exists(p):
                os.unlink(p)
        shutil.rmtree(os.path.join(d, "state"), ignore_errors=True)
        env = dict(os.environ, LT_LATENCY_FILE=self.lat_path)
        args = [TRADER, "--config", conf,
                "--rest-url", "http://127.0.0.1:%d" % sim.port,
                "--ws-url", ws_url or "ws://127.0.0.1:%d" % sim.port,
                "--state-dir", os.path.join(d, "state"), "--report", self.report_path,
                "--log-file", self.log_path, "--stop-timeout-ms", "3000"] + list(extra)
        super().__init__(args, os.path.join(d, "trader.out"), env,
                         (lambda: os.nice(nice)) if nice else None)

    def lines_matching(self, pat):
        try:
            with open(self.log_path, "rb") as f:
                return sum(1 for line in f if pat in line)
        except OSError:
            return 0

    def first_line_ns(self, pat):
        """Unix ns of the first log line containing pat (the log's UTC ms stamp)."""
        try:
            with open(self.log_path, "rb") as f:
                for line in f:
                    if pat in line:
                        ts = line.split(b" ", 1)[0].decode()
                        dt = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ")
                        return int(dt.replace(tzinfo=datetime.timezone.utc).timestamp() * 1e9)
        except (OSError, ValueError, UnicodeDecodeError):
            pass
        return 0

    def report(self):
        return read_json(self.report_path)

    def marks(self):
        return read_json(self.lat_path)


def scenario_dir(base, name):
    d = os.path.join(base, name)
    os.makedirs(d, exist_ok=True)
    return d


def r1(x, nd=1):
    return None if x is None else round(x, nd)


# ---- scenarios -------------------------------------------------------------

# The latency scenario's histograms from the trader's latency.json
# (docs/performance.md): tick_to_order = price_age + take_to_order.
LATENCY_MARKS = ("tick_to_order", "price_age", "wake_to_take", "take_to_order", "sent_to_fill")


def latency(base, q):
    """1 account, 200 rounds: in-process tick→order and order→fill."""
    rounds = 20 if q else 200
    bound = 90
    d = scenario_dir(base, "latency")
    write_sim_conf(os.path.join(d, "sim.conf"), 1)
    sim = Sim(os.path.join(d, "sim.conf"), d)
    conf = write_trader_conf(d, 1, 1, rounds * BUY)
    t = Trader(d, conf, sim)
    finished = t.wait(bound)
    t.stop()
    sim.stop()
    m = t.marks() or {}
    rep = t.report() or {}
    res = {"scenario": "latency", "accounts": 1, "rounds": rep.get("totals", {}).get("rounds"),
           "orders": rep.get("totals", {}).get("orders"), "exit": t.rc,
           "wall_s": r1(t.wall_s, 2)}
    if not finished:
        res["did_not_finish_s"] = bound
    for k in LATENCY_MARKS:
        res[k] = m.get(k)
    return res


def throughput_one(base, n, workers, q, log_level, nice=0, again=False):
    d = scenario_dir(base, "throughput-%d%s%s" % (workers, "-nice" if nice else "",
                                                  "-again" if again else ""))
    conf_sim = os.path.join(base, "sim-%d.conf" % n)
    if not os.path.exists(conf_sim):
        write_sim_conf(conf_sim, n)
    sim = Sim(conf_sim, d)
    conf = write_trader_conf(d, n, workers, 1e9, log_level)
    t = Trader(d, conf, sim, nice=nice)
    res = {"workers": workers}
    startup_bound = 30 if q else 60
    if not sim.wait_first_order(t, startup_bound):
        t.stop()
        sim.stop()
        res["did_not_finish_s"] = startup_bound
        res["note"] = "no order within the start-up bound"
        return res
    res["first_order_s"] = r1((time.time_ns() - t.started_ns) / 1e9, 2)
    # The steady state: every user's stream subscribed (until then a user
    # polls its orders: start-up work, not a round's cost), every worker busy.
    up = sim.wait_subscriptions(n, startup_bound)
    res["streams_up_s"] = r1((time.time_ns() - t.started_ns) / 1e9, 2) if up else None
    time.sleep(0.5)
    window = 3 if q else 6
    o0, w0, c0, s0 = sim.orders(), time.time(), proc_cpu_s(t.p.pid), sim.cpu()
    time.sleep(window)
    o1, w1, c1, s1 = sim.orders(), time.time(), proc_cpu_s(t.p.pid), sim.cpu()
    res["vm_hwm_kib"] = proc_kib(t.p.pid, "VmHWM")
    t.stop()
    sim.stop()
    if o0 is None or o1 is None:
        res["note"] = "the simulator did not report its counts"
        return res
    res["window_s"] = r1(w1 - w0, 2)
    res["orders"] = o1 - o0
    if None not in (c0, c1, s0, s1):
        res["trader_cpu_s"], res["sim_cpu_s"] = r1(c1 - c0, 3), r1(s1 - s0, 3)
    return per_order(res)


def per_order(res):
    """The window's rates from its totals (orders, window_s, CPU seconds)."""
    orders, win = res["orders"], res["window_s"]
    res["orders_per_s"] = r1(orders / win)
    if orders > 0 and "trader_cpu_s" in res:
        res["trader_us_per_order"] = r1(res["trader_cpu_s"] * 1e6 / orders)
        res["sim_us_per_order"] = r1(res["sim_cpu_s"] * 1e6 / orders)
        res["trader_cpu_share"] = r1(res["trader_cpu_s"] / win, 2)
        res["sim_cpu_share"] = r1(res["sim_cpu_s"] / win, 2)
    return res


def merged(passes):
    """One worker count's passes as one window: their totals summed, rates
    from the sums; each pass's orders/s kept beside."""
    done = [x for x in passes if "orders" in x]
    if len(done) < len(passes):
        return next(x for x in passes if "orders" not in x)
    res = {"workers": done[0]["workers"], "passes_orders_per_s": [x["orders_per_s"] for x in done],
           "first_order_s": max(x["first_order_s"] for x in done),
           "streams_up_s": None if None in [x["streams_up_s"] for x in done]
           else max(x["streams_up_s"] for x in done),
           "vm_hwm_kib": max(x.get("vm_hwm_kib") or 0 for x in done),
           "window_s": r1(sum(x["window_s"] for x in done), 2),
           "orders": sum(x["orders"] for x in done)}
    if all("trader_cpu_s" in x for x in done):
        res["trader_cpu_s"] = r1(sum(x["trader_cpu_s"] for x in done), 3)
        res["sim_cpu_s"] = r1(sum(x["sim_cpu_s"] for x in done), 3)
    return per_order(res)


TRADER_NICE = 5


def throughput(base, q, log_level, workers=(16, 64, 256)):
    """1,000 accounts, 16/64/256 workers: orders/s, CPU per order, peak RSS,
    over a window after the first order (start-up excluded)."""
    n = 100 if q else 1000
    # Each worker count twice, in the order 16 64 256 256 64 16: a host whose
    # load drifts during the scenario weighs on every count alike, and no
    # count is judged on one window of a noisy host.
    order = list(workers) + ([] if q else list(reversed(workers)))
    passes = [throughput_one(base, n, w, q, log_level, again=i >= len(workers))
              for i, w in enumerate(order)]
    runs = [merged([x for x in passes if x["workers"] == w]) for w in workers]
    # The simulator is one thread on the trader's two cores: with hundreds of
    # trader threads runnable, the scheduler's per-thread fairness starves it
    # (a remote venue has its own CPUs).  The same runs with the trader at
    # nice TRADER_NICE show the trader's own scaling beside them.
    ends = sorted({workers[0], workers[-1]})
    nice = [throughput_one(base, n, w, q, log_level, TRADER_NICE) for w in ends]
    return {"scenario": "throughput", "accounts": n, "log_level": log_level, "runs": runs,
            "trader_nice": TRADER_NICE, "runs_trader_niced": nice}


def scale_one(base, n, bound, log_level):
    d = scenario_dir(base, "scale-%d" % n)
    write_sim_conf(os.path.join(d, "sim.conf"), n)
    sim = Sim(os.path.join(d, "sim.conf"), d)
    conf = write_trader_conf(d, n, 64, 1e9, log_level)
    t = Trader(d, conf, sim)
    got = sim.wait_first_order(t, bound)
    if got:
        time.sleep(1)  # the first rounds allocate what a trading account needs
    res = {"accounts": n, "vm_rss_kib": proc_kib(t.p.pid, "VmRSS"),
           "vm_hwm_kib": proc_kib(t.p.pid, "VmHWM")}
    if not got:
        res["did_not_finish_s"] = bound
        # Each account's filter reads its history; the log says which are done.
        res["accounts_filtered"] = (t.lines_matching(b"of target") +
                                    t.lines_matching(b"already at target")) or None
        res["requests_so_far"] = {k: v["calls"] for k, v in sim.snapshot().items()}
    t.stop(grace=5)  # still in the filter, it does not look at the stop: killed, no marks
    sim.stop()
    m = (t.marks() or {}).get("marks_unix_ns", {})
    s0 = t.started_ns
    fs, fe, fo = m.get("filter_start", 0), m.get("filter_end", 0), m.get("first_order", 0)
    if not fs:
        fs = t.first_line_ns(b" tick ")  # the line logged just before the filter starts
    res["config_s"] = r1((fs - s0) / 1e9, 3) if fs else None
    res["filter_s"] = r1((fe - fs) / 1e9, 3) if fs and fe else None
    res["filter_to_first_order_s"] = r1((fo - fe) / 1e9, 3) if fe and fo else None
    res["first_order_s"] = r1((fo - s0) / 1e9, 3) if fo else None
    if not got and fs and res["accounts_filtered"]:
        res["filter_ms_per_account"] = r1((s0 + bound * 1e9 - fs) / 1e6 / res["accounts_filtered"], 2)
    return res


def scale(base, q, log_level):
    """10,000 accounts: start-up phases; RSS per account beyond a 10-account
    base, from the largest run that reached its first order (a run stopped
    in the filter has not allocated every account yet)."""
    sizes = (10, 300, 1000) if q else (10, 1000, 10000)
    runs = [scale_one(base, n, 30 if q or n < 10000 else 45, log_level) for n in sizes]
    res = {"scenario": "scale", "runs": runs}
    small = runs[0]
    done = [x for x in runs[1:] if "did_not_finish_s" not in x and x.get("vm_hwm_kib")]
    if small.get("vm_hwm_kib") and done:
        big = done[-1]
        res["rss_per_account_kib"] = r1((big["vm_hwm_kib"] - small["vm_hwm_kib"]) /
                                        (big["accounts"] - small["accounts"]), 2)
        res["rss_per_account_from"] = big["accounts"]
    return res


def finished_run(base, name, n, rounds, ws_down, bound, sim_extra=()):
    """One run to its target on a fresh simulator; totals, CPU, per-endpoint counts."""
    d = scenario_dir(base, name)
    write_sim_conf(os.path.join(d, "sim.conf"), n)
    sim = Sim(os.path.join(d, "sim.conf"), d, extra=sim_extra)
    conf = write_trader_conf(d, n, n, rounds * BUY)
    sc0 = sim.cpu()
    t = Trader(d, conf, sim, ws_url="ws://127.0.0.1:%d" % free_port() if ws_down else None)
    finished = t.wait(bound)
    t.stop()
    sc1 = sim.cpu()
    stats = sim.stop()
    tot = (t.report() or {}).get("totals", {})
    return {"finished": finished, "exit": t.rc, "rounds": tot.get("rounds", 0),
            "orders": tot.get("orders", 0), "cpu_s": t.cpu_total(),
            "sim_cpu_s": None if None in (sc0, sc1) else sc1 - sc0,
            "wall_s": t.wall_s, "stats": stats}


def per_round(a, b):
    """Per-endpoint calls and weight per round of the difference b - a (the
    start-up's requests cancel out)."""
    dr = b["rounds"] - a["rounds"]
    out, wsum = {}, 0
    if dr <= 0:
        return None, None
    for ep in sorted(set(a["stats"]) | set(b["stats"])):
        ca = a["stats"].get(ep, {"calls": 0, "weight": 0})
        cb = b["stats"].get(ep, {"calls": 0, "weight": 0})
        calls, weight = cb["calls"] - ca["calls"], cb["weight"] - ca["weight"]
        if calls or weight:
            out[ep] = {"calls": r1(calls / dr, 2), "weight": r1(weight / dr, 2)}
            wsum += weight
    return out, r1(wsum / dr, 2)


def weight(base, q, up_runs):
    """Request weight per round by endpoint, with pushes up (reusing the
    marginal runs), with every executionReport lost (streams up) and with
    the streams down (the WS URL unreachable)."""
    res = {"scenario": "weight", "accounts": 4}
    a, b = up_runs
    res["pushes_up"], res["pushes_up_weight_per_round"] = per_round(a, b)
    res["pushes_up_rounds"] = [a["rounds"], b["rounds"]]
    bound = 60 if q else 90
    da = finished_run(base, "weight-down-a", 4, 1, True, bound)
    db = finished_run(base, "weight-down-b", 4, 2 if q else 4, True, bound)
    res["streams_down"], res["streams_down_weight_per_round"] = per_round(da, db)
    res["streams_down_rounds"] = [da["rounds"], db["rounds"]]
    la = finished_run(base, "weight-lost-a", 4, 1, False, bound, ("--fault", "push_loss=1"))
    lb = finished_run(base, "weight-lost-b", 4, 2 if q else 4, False, bound,
                      ("--fault", "push_loss=1"))
    res["pushes_lost"], res["pushes_lost_weight_per_round"] = per_round(la, lb)
    res["pushes_lost_rounds"] = [la["rounds"], lb["rounds"]]
    if not all(x["finished"] for x in (da, db, la, lb)):
        res["did_not_finish_s"] = bound
    return res


# Rounds per account of the two runs whose difference is the marginal cost
# (and the reference's): 8,000 orders apart, so that a 10 ms hiccup (a CPU
# tick of the simulator's figure, a start-up that costs more in one run
# than the other) moves the figure by 1.2 us, not the 6 us of 1,600 orders
# apart (205 rounds, before 2026-12-07's night session) or the 36 us of 280.
MARGINAL_ROUNDS = (5, 1005)
MARGINAL_ROUNDS_QUICK = (3, 10)


def marginal(base, q):
    """4 accounts: marginal trader (and simulator) CPU per order, from two
    runs to different targets; the start-up's cost cancels out."""
    bound = 90
    lo, hi = MARGINAL_ROUNDS_QUICK if q else MARGINAL_ROUNDS
    a = finished_run(base, "marginal-a", 4, lo, False, bound)
    b = finished_run(base, "marginal-b", 4, hi, False, bound)
    res = {"scenario": "marginal", "accounts": 4, "orders": [a["orders"], b["orders"]],
           "rounds": [a["rounds"], b["rounds"]],
           "trader_cpu_s": [r1(a["cpu_s"], 3), r1(b["cpu_s"], 3)]}
    if not (a["finished"] and b["finished"]):
        res["did_not_finish_s"] = bound
    do = b["orders"] - a["orders"]
    if do > 0 and a["cpu_s"] is not None and b["cpu_s"] is not None:
        res["trader_us_per_order"] = r1((b["cpu_s"] - a["cpu_s"]) * 1e6 / do)
        res["trader_us_per_order_whole_run"] = r1(b["cpu_s"] * 1e6 / b["orders"])
        if a["sim_cpu_s"] is not None and b["sim_cpu_s"] is not None:
            res["sim_us_per_order"] = r1((b["sim_cpu_s"] - a["sim_cpu_s"]) * 1e6 / do)
        res["orders_per_s"] = r1(b["orders"] / b["wall_s"]) if b["wall_s"] else None
    return res, (a, b)


# The reference: looptrader's job on ccxt (test/compat/ccxt_ref.js), from
# the ccxt that scripts/ccxt-install.sh installs (make compat's).
CCXT_REF = os.path.join(ROOT, "test", "compat", "ccxt_ref.js")
REFERENCE_FILLS = "watch,poll"  # ccxt_ref.js --fills of its runs, in turn


def ccxt_install():
    """NODE_PATH of the installed ccxt and node's version, or (None, why)."""
    if not shutil.which("node"):
        return None, "node is not installed"
    try:
        r = subprocess.run([os.path.join(ROOT, "scripts", "ccxt-install.sh")], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=90)
    except subprocess.TimeoutExpired:
        return None, "the ccxt install did not finish in 90 s"
    if r.returncode != 0:
        return None, (r.stderr.decode(errors="replace").strip().splitlines() or ["ccxt install failed"])[-1]
    return r.stdout.decode().strip(), None


def sim_orders(stats):
    """New orders the simulator received over the run (REST and WS API alike)."""
    return stats.get("POST /api/v3/order", {}).get("calls", 0)


def reference_run(base, name, n, rounds, bound, node_path, orders, fills):
    """ccxt_ref.js to rounds × BUY per account on a fresh simulator, with the
    marginal runs' configuration; its CPU (wait4) and the simulator's counts."""
    d = scenario_dir(base, name)
    write_sim_conf(os.path.join(d, "sim.conf"), n)
    sim = Sim(os.path.join(d, "sim.conf"), d)
    users = os.path.join(d, "users.json")
    fd = os.open(users, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump([{"name": account_name(i), "apiKey": "%s-key" % account_name(i),
                    "secret": "%s-secret-bench" % account_name(i)} for i in range(n)], f)
    args = ["node", CCXT_REF, "--url", "http://127.0.0.1:%d" % sim.port, "--users", users,
            "--symbol", "ALPHA/USDT", "--target", "%.1f" % (rounds * BUY), "--buy-amount", "%.1f" % BUY,
            "--slippage", "0.001", "--slippage-step", "0.002", "--max-tries", "5",
            "--fill-timeout-ms", "2000", "--orders", orders, "--fills", fills]
    out = os.path.join(d, "ccxt_ref.out")
    c = Child(args, out, dict(os.environ, NODE_PATH=node_path))
    finished = c.wait(bound)
    c.stop(grace=5, what="ccxt reference")
    stats = sim.stop()
    summary = {}
    try:
        with open(out) as f:
            for line in f:
                if line.startswith("{"):
                    summary = json.loads(line)
    except (OSError, ValueError):
        pass
    return {"finished": finished, "exit": c.rc, "cpu_s": c.cpu_total(), "wall_s": c.wall_s,
            "stats": stats, "summary": summary}


def cpu_per_order(a, b):
    """µs of CPU per order of run b beyond run a (orders counted at the
    simulator), and of run b whole."""
    do, nb = sim_orders(b["stats"]) - sim_orders(a["stats"]), sim_orders(b["stats"])
    if a["cpu_s"] is None or b["cpu_s"] is None:
        return None, None
    return ((b["cpu_s"] - a["cpu_s"]) * 1e6 / do if do > 0 else None,
            b["cpu_s"] * 1e6 / nb if nb > 0 else None)


def ratio(x, y):
    return r1(x / y) if x is not None and y else None


def reference(base, q, trader_runs):
    """4 accounts, looptrader (the marginal runs, or its own pair) and then
    ccxt_ref.js to the same two targets on fresh simulators, once per way of
    learning of fills (REFERENCE_FILLS): each one's marginal CPU per order
    (the difference of its two runs; Node's start-up, over a second of CPU
    to load ccxt, cancels out) and the ratios.  The goal is judged on the
    smallest ratio: "leaner than a competent ccxt bot" must hold against
    each competent way of writing one.  Returns it and the trader's runs
    (the weight scenario's "pushes up" pair)."""
    res = {"scenario": "reference", "accounts": 4}
    node_path, why = ccxt_install()
    if node_path is None:
        res["skipped"] = why
        return res, trader_runs
    res["node"] = subprocess.run(["node", "--version"], stdout=subprocess.PIPE).stdout.decode().strip()
    try:
        with open(os.path.join(node_path, "ccxt", "package.json")) as f:
            res["ccxt"] = json.load(f).get("version")
    except (OSError, ValueError):
        pass
    # The reference's orders go the trader's way: over REST when the trader's
    # do, else over the WebSocket API (the trader's default here).
    orders = "rest" if ORDER_TRANSPORT == "rest" else "ws"
    res["reference_orders"] = orders
    lo, hi = MARGINAL_ROUNDS_QUICK if q else MARGINAL_ROUNDS
    bound = 90
    if trader_runs is None:
        trader_runs = (finished_run(base, "reference-trader-a", 4, lo, False, bound),
                       finished_run(base, "reference-trader-b", 4, hi, False, bound))
        res["trader_runs"] = "own"
    else:
        res["trader_runs"] = "marginal"
    ta, tb = trader_runs
    res["trader_orders"] = [sim_orders(ta["stats"]), sim_orders(tb["stats"])]
    res["trader_cpu_s"] = [r1(ta["cpu_s"], 3), r1(tb["cpu_s"], 3)]
    tm, tw = cpu_per_order(ta, tb)
    res["trader_us_per_order"], res["trader_us_per_order_whole_run"] = r1(tm), r1(tw)
    finished = ta["finished"] and tb["finished"]
    res["reference"] = []
    for fills in REFERENCE_FILLS.split(","):
        ra = reference_run(base, "reference-ccxt-%s-a" % fills, 4, lo, bound, node_path, orders,
                           fills)
        rb = reference_run(base, "reference-ccxt-%s-b" % fills, 4, hi, bound, node_path, orders,
                           fills)
        finished = finished and ra["finished"] and rb["finished"]
        rm, rw = cpu_per_order(ra, rb)
        v = {"fills": fills, "orders": [sim_orders(ra["stats"]), sim_orders(rb["stats"])],
             "cpu_s": [r1(ra["cpu_s"], 3), r1(rb["cpu_s"], 3)],
             "wall_s": [r1(ra["wall_s"], 2), r1(rb["wall_s"], 2)],
             "us_per_order": r1(rm), "us_per_order_whole_run": r1(rw),
             "leaner_x": ratio(rm, tm), "leaner_x_whole_run": ratio(rw, tw)}
        errors = [x["summary"].get("first_error") or "exit %s" % x["exit"]
                  for x in (ra, rb) if x["exit"] != 0]
        if errors:
            v["errors"] = errors
        res["reference"].append(v)
    if not finished:
        res["did_not_finish_s"] = bound
    got = [v["leaner_x"] for v in res["reference"] if v["leaner_x"] is not None]
    res["leaner_x"] = min(got) if got else None
    return res, trader_runs


# ---- the table -------------------------------------------------------------

def goal_cell(key, v):
    if key not in GOALS or v is None:
        return ""
    op, g = GOALS[key]
    ok = v <= g if op == "<=" else v >= g if op == ">=" else v < g
    return "%s %g %s" % (op, g, "met" if ok else "NOT met")


def table_rows(results):
    """(figure, measured, goal) rows for the scenario results given."""
    rows = []

    def add(name, v, unit, key=None):
        shown = "-" if v is None else ("%s %s" % (v if isinstance(v, str) else "%g" % v,
                                                  unit)).strip()
        rows.append((name, shown, goal_cell(key, v)))

    for r in results:
        s = r["scenario"]
        if s == "latency":
            for k in LATENCY_MARKS:
                h = r.get(k) or {}
                add("latency %s p50/p99/max" % k,
                    None if not h.get("n") else "%s/%s/%s" % (h["p50_us"], h["p99_us"], h["max_us"]),
                    "us", None)
            h = r.get("tick_to_order") or {}
            add("latency tick_to_order p99", h.get("p99_us") if h.get("n") else None, "us",
                "tick_to_order_p99_us")
        elif s == "marginal":
            add("4 accounts trader CPU/order (marginal)", r.get("trader_us_per_order"), "us",
                "marginal_us_per_order")
            add("4 accounts sim CPU/order (marginal)", r.get("sim_us_per_order"), "us")
        elif s == "reference":
            if "skipped" in r:
                rows.append(("ccxt reference", "skipped: %s" % r["skipped"], ""))
                continue
            add("4 accounts looptrader CPU/order (marginal, %s)"
                % ("the marginal runs" if r.get("trader_runs") == "marginal" else "its own runs"),
                r.get("trader_us_per_order"), "us")
            for v in r["reference"]:
                add("4 accounts ccxt reference (fills %s) CPU/order (marginal)" % v["fills"],
                    v.get("us_per_order"), "us")
                add("  ccxt (fills %s) / looptrader, marginal" % v["fills"], v.get("leaner_x"),
                    "x")
                add("  ccxt (fills %s) / looptrader, whole runs (start-ups included)"
                    % v["fills"], v.get("leaner_x_whole_run"), "x")
                if v.get("errors"):
                    rows.append(("  ccxt (fills %s) errors" % v["fills"],
                                 "; ".join(v["errors"])[:80], ""))
            add("looptrader leaner than ccxt, CPU per order (least ratio)", r.get("leaner_x"), "x",
                "leaner_x")
        elif s == "throughput":
            for x in r["runs"]:
                w = x["workers"]
                if "did_not_finish_s" in x:
                    add("%d accts, %d workers" % (r["accounts"], w), None, "")
                    rows[-1] = (rows[-1][0], "did not finish in %d s" % x["did_not_finish_s"], "")
                    continue
                add("%d accts, %d workers orders/s" % (r["accounts"], w), x.get("orders_per_s"), "")
                add("%d accts, %d workers trader CPU/order" % (r["accounts"], w),
                    x.get("trader_us_per_order"), "us", "throughput_us_per_order")
                add("%d accts, %d workers sim CPU/order" % (r["accounts"], w),
                    x.get("sim_us_per_order"), "us")
                add("%d accts, %d workers peak RSS" % (r["accounts"], w),
                    x.get("vm_hwm_kib"), "KiB")
                if x.get("trader_cpu_share") is not None:
                    rows.append(("%d accts, %d workers CPU cores trader/sim" % (r["accounts"], w),
                                 "%g/%g" % (x["trader_cpu_share"], x["sim_cpu_share"]),
                                 "sim never first to saturate: %s"
                                 % ("met" if x["sim_cpu_share"] < x["trader_cpu_share"]
                                    else "NOT met")))
            def falling(runs, label):
                ops = [x.get("orders_per_s") for x in runs]
                if None not in ops and len(ops) >= 2:
                    rows.append(("orders/s %d -> %d workers%s"
                                 % (runs[0]["workers"], runs[-1]["workers"], label),
                                 "%g -> %g" % (ops[0], ops[-1]),
                                 "not falling: %s" % ("met" if ops[-1] >= ops[0] * 0.95
                                                      else "NOT met")))
            falling(r["runs"], "")
            for x in r.get("runs_trader_niced", []):
                w = x["workers"]
                add("%d accts, %d workers, trader nice %d: orders/s"
                    % (r["accounts"], w, r["trader_nice"]), x.get("orders_per_s"), "")
                add("%d accts, %d workers, trader nice %d: CPU/order"
                    % (r["accounts"], w, r["trader_nice"]), x.get("trader_us_per_order"), "us",
                    "throughput_us_per_order")
            falling(r.get("runs_trader_niced", []), ", trader nice %d" % r.get("trader_nice", 0))
        elif s == "scale":
            rows.append(("RSS per account beyond 10",
                         "-" if r.get("rss_per_account_kib") is None else
                         "%g KiB (%d accounts)" % (r["rss_per_account_kib"],
                                                   r["rss_per_account_from"]),
                         goal_cell("rss_per_account_kib", r.get("rss_per_account_kib"))))
            for big in r["runs"][1:]:
                if "did_not_finish_s" in big:
                    rows.append(("%d accts config -> first order" % big["accounts"],
                                 "did not finish in %d s (%s filtered, %s ms each)"
                                 % (big["did_not_finish_s"], big.get("accounts_filtered"),
                                    big.get("filter_ms_per_account")),
                                 goal_cell("first_order_s", 1e9) if big is r["runs"][-1] else ""))
                else:
                    add("%d accts config -> first order" % big["accounts"],
                        big.get("first_order_s"), "s",
                        "first_order_s" if big is r["runs"][-1] else None)
                    add("  of which history filter", big.get("filter_s"), "s")
        elif s == "weight":
            add("weight/round, pushes up", r.get("pushes_up_weight_per_round"), "",
                "weight_per_round")
            add("weight/round, executionReports lost", r.get("pushes_lost_weight_per_round"), "")
            add("weight/round, streams down", r.get("streams_down_weight_per_round"), "")
    return rows


def table(results, before=None):
    """Prints the rows; with before (an earlier run's results) a column of
    its figures too, matched by name, for a before/after comparison."""
    rows = table_rows(results)
    old = None
    if before is not None:
        try:
            old = {name: val for name, val, _ in table_rows(before)}
        except (KeyError, TypeError, ValueError):
            log("--compare: that run's results have another shape; no before column")
    w = max([len(x[0]) for x in rows] + [6])
    v = max([len(x[1]) for x in rows] + [8])
    b = max([len(old.get(x[0], "-")) for x in rows] + [6]) if old else 0
    head = ("%-*s  " % (b, "before")) if old is not None else ""
    print("\n%-*s  %s%-*s  %s" % (w, "figure", head, v, "measured", "goal (issue 7)"))
    for name, val, goal in rows:
        cell = ("%-*s  " % (b, old.get(name, "-"))) if old is not None else ""
        print("%-*s  %s%-*s  %s" % (w, name, cell, v, val, goal))


def read_results(path):
    """The scenario lines of an earlier run's standard output."""
    out = []
    with open(path) as f:
        for line in f:
            if line.startswith("{"):
                r = json.loads(line)
                if "scenario" in r and "error" not in r:
                    out.append(r)
    return out


def main():
    global ORDER_TRANSPORT, REFERENCE_FILLS
    ap = argparse.ArgumentParser(description="looptrader's figures against looptrader-sim")
    ap.add_argument("--only", default="latency,marginal,reference,weight,throughput,scale")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--compare", metavar="FILE",
                    help="an earlier run's standard output: its figures beside these")
    ap.add_argument("--log-level", default="info",
                    help="the trader's log level in throughput and scale (default info)")
    ap.add_argument("--workers", default="16,64,256",
                    help="the worker counts of the throughput scenario (default 16,64,256)")
    ap.add_argument("--order-transport", default=ORDER_TRANSPORT, choices=("rest", "ws-api"),
                    help="the trader's exchange.order_transport (default LT_ORDER_TRANSPORT, "
                         "else none written: the trader's default, ws-api here)")
    ap.add_argument("--reference-fills", default=REFERENCE_FILLS,
                    help="how the ccxt reference learns of fills, one pair of runs each: "
                         "watch (its user stream), poll (fetchOrder); default watch,poll")
    o = ap.parse_args()
    ORDER_TRANSPORT = o.order_transport
    REFERENCE_FILLS = o.reference_fills
    if not set(REFERENCE_FILLS.split(",")) <= {"watch", "poll"}:
        ap.error("--reference-fills: watch, poll or both, comma-separated")
    for f in (TRADER, SIM):
        if not os.access(f, os.X_OK):
            print("bench: %s missing (make bench builds it)" % f, file=sys.stderr)
            return 2
    want = o.only.split(",")
    try:
        before = read_results(o.compare) if o.compare else None
    except (OSError, ValueError) as e:
        print("bench: --compare %s: %s" % (o.compare, e), file=sys.stderr)
        return 2
    base = tempfile.mkdtemp(prefix="lt-bench.")
    with open("/proc/cpuinfo") as f:
        model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    print(json.dumps({"machine": {"nproc": os.cpu_count(), "cpu": model,
                                  "loadavg": os.getloadavg()[0]}}), flush=True)
    results, t0 = [], time.time()
    try:
        up_runs = None
        for name in ("latency", "marginal", "reference", "weight", "throughput", "scale"):
            if name not in want:
                continue
            log("scenario %s (%.0f s so far)" % (name, time.time() - t0))
            try:
                if name == "latency":
                    r = latency(base, o.quick)
                elif name == "marginal":
                    r, up_runs = marginal(base, o.quick)
                elif name == "reference":
                    r, up_runs = reference(base, o.quick, up_runs)
                elif name == "weight":
                    if up_runs is None:
                        _, up_runs = marginal(base, o.quick)
                    r = weight(base, o.quick, up_runs)
                elif name == "throughput":
                    r = throughput(base, o.quick, o.log_level,
                                   [int(w) for w in o.workers.split(",")])
                else:
                    r = scale(base, o.quick, o.log_level)
            except (RuntimeError, OSError) as e:
                r = {"scenario": name, "error": str(e)}
            r["loadavg_1m_after"] = round(os.getloadavg()[0], 1)  # how noisy it was
            results.append(r)
            print(json.dumps(r), flush=True)
        table([r for r in results if "error" not in r], before)
        log("done in %.0f s" % (time.time() - t0))
    finally:
        if o.keep:
            log("kept %s" % base)
        else:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
