"""bench-profile.py - where the trader's CPU per order goes, by component.

Starts looptrader-sim and looptrader as `make bench`'s throughput scenario
does (ACCOUNTS accounts, WORKERS workers, a target never reached), waits
until every user's stream is up, measures the trader's CPU per order over
a window without any profiler, then samples it with `perf record
--call-graph dwarf` over a second window and splits the samples into
components (libcurl, the WebSocket thread, the journal, the intent log's
fdatasync, ...).  Each component's share of the samples is printed with
the share applied to the unperturbed CPU per order, so the column adds up
to that figure.
  python3 -S scripts/bench-profile.py ACCOUNTS WORKERS [SECONDS]
Needs perf (kernel.perf_event_paranoid <= 1, or root).  Loopback only;
stops by itself.  Like every CPU figure here it moves with the machine's
load: run it on an idle machine and compare runs side by side.
"""
import collections, importlib.util, os, shutil, subprocess, sys, tempfile, time

spec = importlib.util.spec_from_file_location(
    "bench", os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench.py"))
b = importlib.util.module_from_spec(spec); spec.loader.exec_module(b)

COMPONENTS = [
    "intent log: fdatasync",
    "HTTP: libcurl user code (and its mallocs)",
    "HTTP: syscalls (send, poll, recv)",
    "journal and intent-log writes",
    "logging",
    "signing (HMAC)",
    "WS thread: libwebsockets",
    "WS thread: syscalls (recv, poll, wake-ups)",
    "WS thread: JSON parse and mailbox posts",
    "waits and wake-ups (futex, scheduler)",
    "worker: answer and push parsing",
    "worker: strategy, ledger, venue logic",
    "other threads",
]


def has(frames, *prefixes):
    return any(sym.startswith(prefixes) for sym, _ in frames)


def classify(comm, frames):
    """The component of one sample: frames run from the leaf to the root."""
    kernel = bool(frames) and frames[0][1].startswith("[kernel")
    if any("fdatasync" in sym for sym, _ in frames):
        return COMPONENTS[0]
    if comm.startswith("lt-worker") and has(frames, "http_do"):
        return COMPONENTS[2] if kernel else COMPONENTS[1]
    if has(frames, "write_line", "put_record", "line_text", "order_line", "journal_",
           "intentlog_append"):
        return COMPONENTS[3]
    if has(frames, "log_msg", "log_vmsg", "log_redact"):
        return COMPONENTS[4]
    if has(frames, "sign_", "venue_sign"):
        return COMPONENTS[5]
    if comm.startswith("lt-ws"):
        if kernel:
            return COMPONENTS[7]
        if frames and frames[0][1].startswith("libwebsockets"):
            return COMPONENTS[6]
        return COMPONENTS[8]
    if has(frames, "mailbox_wait", "wait_pos", "wait_until", "board_wait", "syncer_main",
           "__futex", "__lll_lock", "pthread_cond"):
        return COMPONENTS[9]
    if comm.startswith("lt-worker"):
        if has(frames, "venue_binance_parse", "jscan_", "venue_jobj"):
            return COMPONENTS[10]
        return COMPONENTS[11]
    return COMPONENTS[12]


def samples(path):
    text = subprocess.run(["perf", "script", "-i", path], capture_output=True, text=True).stdout
    for block in text.split("\n\n"):
        lines = block.strip().split("\n")
        if len(lines) < 2:
            continue
        frames = []
        for l in lines[1:]:
            p = l.split()
            if len(p) < 3:
                continue
            frames.append((p[1].split("+")[0], p[-1].strip("()").split("/")[-1]))
        yield lines[0].split()[0], frames


def cpu_ticks(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])


def main():
    n = int(sys.argv[1]); workers = int(sys.argv[2])
    secs = float(sys.argv[3]) if len(sys.argv) > 3 else 4
    base = tempfile.mkdtemp(prefix="lt-profile.")
    d = b.scenario_dir(base, "p")
    conf_sim = os.path.join(base, "sim.conf"); b.write_sim_conf(conf_sim, n)
    sim = b.Sim(conf_sim, d)
    t = b.Trader(d, b.write_trader_conf(d, n, workers, 1e9, "info"), sim)
    try:
        if not sim.wait_first_order(t, 60) or not sim.wait_subscriptions(n, 60):
            sys.exit("no steady state within 60 s")
        time.sleep(0.5)
        o0, c0 = sim.orders(), cpu_ticks(t.p.pid)
        time.sleep(secs)
        o1, c1 = sim.orders(), cpu_ticks(t.p.pid)
        per_order = (c1 - c0) * 1e6 / os.sysconf("SC_CLK_TCK") / max(1, o1 - o0)
        data = os.path.join(base, "perf.data")
        subprocess.run(["perf", "record", "-q", "--call-graph", "dwarf,16384", "-F", "999",
                        "-o", data, "-p", str(t.p.pid), "--", "sleep", str(secs)],
                       capture_output=True)
        counts = collections.Counter()
        for comm, frames in samples(data):
            counts[classify(comm, frames)] += 1
    finally:
        t.stop(); sim.stop()
        shutil.rmtree(base, ignore_errors=True)
    total = sum(counts.values()) or 1
    print("%d accounts, %d workers: %.0f orders/s, trader CPU %.1f us per order "
          "(%d samples)" % (n, workers, (o1 - o0) / secs, per_order, total))
    print("%-48s %8s %6s" % ("component", "us/order", "share"))
    for name in COMPONENTS:
        if counts[name]:
            print("%-48s %8.1f %5.1f%%" % (name, per_order * counts[name] / total,
                                            100.0 * counts[name] / total))


if __name__ == "__main__":
    main()
