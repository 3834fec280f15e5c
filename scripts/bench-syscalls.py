"""bench-syscalls.py - the trader's syscalls and context switches per order.

Counts, unlike CPU time, hardly move with the machine's load, so they tell a
change's effect where `make bench`'s CPU figures are within noise.  Starts
looptrader-sim and looptrader as `make bench`'s throughput scenario does,
waits until every user's stream is up, counts with `perf stat -p` over a
window and divides by the orders the simulator received in it.
  python3 -S scripts/bench-syscalls.py ACCOUNTS WORKERS [SECONDS]
Needs perf (kernel.perf_event_paranoid <= 1, or root).  Loopback only.
"""
import importlib.util, os, shutil, sys, subprocess, time, tempfile
spec = importlib.util.spec_from_file_location(
    "bench", os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench.py"))
b = importlib.util.module_from_spec(spec); spec.loader.exec_module(b)
n = int(sys.argv[1]); workers = int(sys.argv[2]); secs = float(sys.argv[3]) if len(sys.argv) > 3 else 3
base = tempfile.mkdtemp(prefix="lt-counts.")
d = b.scenario_dir(base, "c")
conf_sim = os.path.join(base, "sim.conf"); b.write_sim_conf(conf_sim, n)
sim = b.Sim(conf_sim, d)
conf = b.write_trader_conf(d, n, workers, 1e9, "info")
t = b.Trader(d, conf, sim)
if not sim.wait_first_order(t, 60) or not sim.wait_subscriptions(n, 60):
    t.stop(); sim.stop(); sys.exit("no steady state within 60 s")
time.sleep(0.5)
o0 = sim.orders()
out = subprocess.run(["perf", "stat", "-x,", "-e", "context-switches,raw_syscalls:sys_enter,syscalls:sys_enter_futex,syscalls:sys_enter_poll,syscalls:sys_enter_sendto,syscalls:sys_enter_recvfrom,syscalls:sys_enter_write,syscalls:sys_enter_pwrite64,syscalls:sys_enter_fdatasync,syscalls:sys_enter_openat,syscalls:sys_enter_close,syscalls:sys_enter_newfstatat,syscalls:sys_enter_clock_nanosleep,syscalls:sys_enter_read", "-p", str(t.p.pid), "--", "sleep", str(secs)], capture_output=True, text=True)
o1 = sim.orders()
t.stop(); sim.stop()
shutil.rmtree(base, ignore_errors=True)
orders = o1 - o0
print("orders", orders, "in", secs, "s")
for line in out.stderr.splitlines():
    f = line.split(",")
    if len(f) > 2 and f[0].replace(".","").isdigit():
        print("%-40s %8.2f per order" % (f[2], float(f[0]) / orders))
