"""`make load`: the whole local stack (as `make run` serves it) under N virtual users
of `journeys.py`, driven by Locust, for a bounded time and number of requests.

It starts its own stack (emulator, Stripe, campus-local; on its own ports, so a
running `make run` is left alone) unless `--target` names one already running,
samples the resident memory of the emulator and of campus-local every few seconds,
and at the end writes bench/load.json, a plot of latency and memory over time
(bench/load.png), and prints a short table. Loopback only.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402
from locust import between, events  # noqa: E402
from locust.env import Environment  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from journeys import Company  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLE_SECONDS = 5


def parse_duration(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    if text[-1] in units:
        return float(text[:-1]) * units[text[-1]]
    return float(text)


def env_file() -> dict[str, str]:
    path = os.path.join(ROOT, ".env" if os.path.exists(os.path.join(ROOT, ".env")) else ".env.example")
    out = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
    return out


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_stack(port: int, aws_port: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(env_file())
    stripe = free_port()
    env.update(PORT=str(port), WS_MANAGEMENT_URL=f"http://127.0.0.1:{port}",
               API_BASE_URL=f"http://127.0.0.1:{port}", STRIPE_API_BASE=f"http://127.0.0.1:{stripe}",
               TABLE_NAME="campus-load", BUCKET_NAME="campus-load", LOG_LEVEL="warn")
    log = open(os.path.join(ROOT, ".local", "load-stack.log"), "w")
    return subprocess.Popen(
        [os.path.join(ROOT, "infra/scripts/with-emulator.sh"), "--port", str(aws_port),
         os.path.join(ROOT, "target/debug/campus-local"), "serve"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_healthy(base: str, stack: subprocess.Popen | None) -> None:
    for _ in range(600):
        try:
            urllib.request.urlopen(base + "/api/health", timeout=2)
            return
        except OSError:
            if stack is not None and stack.poll() is not None:
                sys.exit("load: the stack stopped while starting; see .local/load-stack.log")
            time.sleep(0.25)
    sys.exit(f"load: {base} did not answer /api/health")


def processes(port: int) -> tuple[dict[str, psutil.Process], str | None]:
    """The campus-local serving `port`, the emulator it uses, and that emulator's URL."""
    found: dict[str, psutil.Process] = {}
    emulator_url = None
    for p in psutil.process_iter():
        try:
            if not " ".join(p.cmdline()).endswith("campus-local serve"):
                continue
            if not any(c.status == psutil.CONN_LISTEN and c.laddr.port == port
                       for c in p.net_connections("tcp")):
                continue
            found["campus-local"] = p
            emulator_url = p.environ().get("AWS_ENDPOINT_URL")
        except psutil.Error:
            continue
    aws_port = urllib.parse.urlparse(emulator_url).port if emulator_url else None
    for p in psutil.process_iter():
        try:
            cmd = p.cmdline()
        except psutil.Error:
            continue
        if any(c.endswith("infra/emulator/server.py") for c in cmd) and str(aws_port) in cmd:
            found["emulator"] = p
    return found, emulator_url


def emulator_stats(url: str | None) -> dict:
    if not url:
        return {}
    try:
        return json.load(urllib.request.urlopen(url + "/_campus/stats", timeout=10))
    except (OSError, ValueError):
        return {}


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, max(0, math.ceil(q / 100 * len(values)) - 1))]


def summary(values: list[float]) -> dict[str, float | None]:
    return {f"p{q}": percentile(values, q) for q in (50, 95, 99)}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, {platform.machine()}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--think", default="2-6",
                    help="seconds a virtual user pauses between actions, e.g. 0.5-2 to saturate")
    ap.add_argument("--duration", default="20m")
    ap.add_argument("--max-requests", type=int, default=500_000)
    ap.add_argument("--target", help="an already running stack, e.g. http://127.0.0.1:3000")
    ap.add_argument("--port", type=int, default=3100)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "load.json"))
    ap.add_argument("--plot", default=os.path.join(ROOT, "bench", "load.png"))
    args = ap.parse_args()
    duration = parse_duration(args.duration)
    low, _, high = args.think.partition("-")
    Company.wait_time = between(float(low), float(high or low))
    os.makedirs(os.path.join(ROOT, ".local"), exist_ok=True)

    stack = None
    base = args.target or f"http://127.0.0.1:{args.port}"
    host = urllib.parse.urlparse(base).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("load: loopback targets only")
    if not args.target:
        stack = start_stack(args.port, free_port())
    try:
        wait_healthy(base, stack)
        procs, emulator_url = processes(urllib.parse.urlparse(base).port or 80)
        report = run(base, args.users, duration, args.max_requests, procs, emulator_url)
    finally:
        if stack is not None:
            os.killpg(stack.pid, signal.SIGTERM)
            stack.wait(timeout=30)
    report["think_seconds"] = args.think
    report["machine"] = machine()
    report["date"] = time.strftime("%Y-%m-%d")
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)
    plot(report, args.plot)
    print_table(report)


def run(base: str, users: int, duration: float, max_requests: int, procs: dict,
        emulator_url: str | None) -> dict:
    requests: list[tuple[float, str, str, float, int, bool]] = []
    started = time.time()
    env = Environment(user_classes=[Company], events=events, host=base)

    def on_request(request_type, name, response_time, response_length, exception=None,
                   response=None, context=None, **_):
        status = getattr(response, "status_code", 0) or 0
        requests.append((time.time() - started, request_type, name, response_time, status,
                         exception is None))
        if len(requests) >= max_requests:
            env.runner.quit()

    events.request.add_listener(on_request)
    memory: list[dict] = []

    def sample() -> None:
        while True:
            memory.append(measure_memory())
            gevent.sleep(SAMPLE_SECONDS)

    def measure_memory() -> dict:
        row = {"t": round(time.time() - started, 1)}
        for name, p in procs.items():
            try:
                row[name] = round(p.memory_info().rss / 2**20, 1)
            except psutil.Error:
                row[name] = None
        held = emulator_stats(emulator_url)
        for k in ("items", "stream_records", "transaction_tokens", "shard_iterators", "ses_messages"):
            if k in held:
                row[k] = held[k]
        return row

    sampler = gevent.spawn(sample)
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=max(1.0, users / 10))
    gevent.spawn_later(duration, runner.quit)
    print(f"load: {users} virtual users for {duration:.0f} s against {base} ...", flush=True)
    runner.greenlet.join()
    elapsed = time.time() - started
    gevent.sleep(0)
    sampler.kill()
    memory.append(measure_memory())
    return analyse(requests, memory, users, elapsed)


def analyse(requests, memory, users: int, elapsed: float) -> dict:
    http = [r for r in requests if r[1] != "WS"]
    by_name = defaultdict(list)
    for r in requests:
        by_name[f"{r[1]} {r[2]}"].append(r)
    window = min(300.0, elapsed / 4)
    endpoints = {}
    for name, rs in sorted(by_name.items()):
        # What each endpoint answered at the start and at the end: the growth, if any.
        early = summary([r[3] for r in rs if r[0] <= window])
        late = summary([r[3] for r in rs if r[0] >= elapsed - window])
        by_minute = [dict(minute=m + 1, count=len(v), **summary(v))
                     for m in range(int(elapsed // 60))
                     for v in [[r[3] for r in rs if m * 60 <= r[0] < (m + 1) * 60]]]
        endpoints[name] = dict(count=len(rs), failures=sum(1 for r in rs if not r[5]),
                               **summary([r[3] for r in rs]),
                               p50_first_window=early["p50"], p50_last_window=late["p50"],
                               per_minute=by_minute)
    statuses = Counter(str(r[4]) for r in http)
    unexpected = Counter(str(r[4]) for r in http if not r[5])
    first = [r[3] for r in http if r[0] <= window]
    last = [r[3] for r in http if r[0] >= elapsed - window]
    minutes = []
    # Whole minutes only: the stragglers after the stop are not a minute's traffic.
    for m in range(int(elapsed // 60)):
        rs = [r[3] for r in http if m * 60 <= r[0] < (m + 1) * 60]
        minutes.append(dict(minute=m + 1, requests=len(rs), rps=round(len(rs) / 60, 2), **summary(rs)))
    p99_first = percentile(first, 99)
    p99_last = percentile(last, 99)
    end = memory[-1] if memory else {}
    five_xx = sum(v for k, v in statuses.items() if k.startswith("5"))
    return {
        "users": users,
        "seconds": round(elapsed, 1),
        "requests": len(http),
        "throughput_rps": round(len(http) / elapsed, 2) if elapsed else 0,
        "statuses": dict(statuses),
        "unexpected_statuses": dict(unexpected),
        "window_seconds": window,
        "p99_first_window_ms": p99_first,
        "p99_last_window_ms": p99_last,
        "endpoints": endpoints,
        "per_minute": minutes,
        "samples": memory,
        "targets": {
            "no 5xx": five_xx == 0,
            "no failed connections": statuses.get("0", 0) == 0,
            "no unprovoked 409": unexpected.get("409", 0) == 0,
            "p99 last window <= 1.5x first": bool(p99_first and p99_last is not None
                                                  and p99_last <= 1.5 * p99_first),
            "emulator RSS < 1 GB at the end": (end.get("emulator") or 0) < 1024,
        },
    }


def plot(report: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (lat, mem) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    mins = report["per_minute"]
    xs = [m["minute"] - 0.5 for m in mins]
    for q in ("p50", "p95", "p99"):
        lat.plot(xs, [m[q] for m in mins], marker="o", label=q)
    lat.set_ylabel("HTTP latency, ms")
    lat.set_yscale("log")
    lat.legend()
    rps = lat.twinx()
    rps.bar(xs, [m["rps"] for m in mins], width=0.8, alpha=0.15, color="grey")
    rps.set_ylabel("requests/s (bars)")
    lat.set_title(f"make load: {report['users']} virtual users, {report['seconds'] / 60:.0f} min, "
                  f"{report.get('date', '')}")
    for name in ("emulator", "campus-local"):
        pts = [(m["t"] / 60, m.get(name)) for m in report["samples"] if m.get(name) is not None]
        if pts:
            mem.plot([p[0] for p in pts], [p[1] for p in pts], label=name)
    mem.set_ylabel("RSS, MB")
    mem.set_xlabel("minutes")
    mem.legend(loc="upper left")
    held = [(m["t"] / 60, m["items"]) for m in report["samples"] if m.get("items") is not None]
    if held:
        items = mem.twinx()
        items.plot([p[0] for p in held], [p[1] for p in held], color="grey", linestyle="--",
                   label="items in the emulator")
        items.set_ylabel("items (dashed)")
        items.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=80)


def print_table(r: dict) -> None:
    def ms(v):
        return "-" if v is None else f"{v:.0f}"

    print(f"\n**{r['date']} — {r['machine']}**\n")
    print(f"{r['users']} virtual users (pausing {r['think_seconds']} s between actions), "
          f"{r['seconds'] / 60:.1f} min, {r['requests']} HTTP requests, "
          f"{r['throughput_rps']} requests/s; statuses {r['statuses']}; "
          f"not as the journey expected: {r['unexpected_statuses'] or 'none'}\n")
    print("| endpoint | count | failed | p50 ms | p95 ms | p99 ms | p50 first → last window |")
    print("|---|---|---|---|---|---|---|")
    for name, e in sorted(r["endpoints"].items(), key=lambda kv: -kv[1]["count"]):
        print(f"| {name} | {e['count']} | {e['failures']} | {ms(e['p50'])} | {ms(e['p95'])} | "
              f"{ms(e['p99'])} | {ms(e['p50_first_window'])} → {ms(e['p50_last_window'])} |")
    mem = r["samples"]
    first, last = (mem[0], mem[-1]) if mem else ({}, {})
    print(f"\np99 first {r['window_seconds'] / 60:.0f} min: {ms(r['p99_first_window_ms'])} ms, "
          f"last {r['window_seconds'] / 60:.0f} min: {ms(r['p99_last_window_ms'])} ms; RSS emulator "
          f"{first.get('emulator')} -> {last.get('emulator')} MB, campus-local "
          f"{first.get('campus-local')} -> {last.get('campus-local')} MB; the emulator holds "
          f"{last.get('items')} items, {last.get('stream_records')} stream records, "
          f"{last.get('transaction_tokens')} transaction tokens, {last.get('shard_iterators')} "
          f"shard iterators, {last.get('ses_messages')} mails")
    for name, ok in r["targets"].items():
        print(f"  {'met' if ok else 'MISSED'}: {name}")


if __name__ == "__main__":
    main()
