"""Load benchmark of the service: a fixed arrival rate of leaderboard and drama-detail requests.

The server runs in its own process on 127.0.0.1 over a demo build; this process is an open-loop
generator (asyncio, raw keep-alive HTTP/1.1 connections): request i is due at t0 + i/rate whatever happened to earlier ones, and
its latency is counted from that due time, so a slow server cannot hide queueing (no coordinated
omission). Writes a markdown snippet to bench/out/service.md.

    python bench/bench_service.py [--build DIR] [--rate 200] [--duration 30] [--notes FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from benchlib import cpu_model

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "service.md"
HOST = "127.0.0.1"  # loopback only, always


def fanxing_cmd() -> list[str]:
    script = Path(sys.executable).with_name("fanxing")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from fanxing.cli import main; main()"]


def demo_build(workdir: Path) -> Path:
    season, build = workdir / "season", workdir / "build"
    subprocess.run([*fanxing_cmd(), "demo", str(season), "--dramas", "80", "--days", "60", "--seed", "7", "--force"],
                   check=True, capture_output=True)
    proc = subprocess.run([*fanxing_cmd(), "build", str(season), "--out", str(build)], capture_output=True, text=True)
    if not (build / "manifest.json").is_file():
        raise SystemExit(f"fanxing build failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return build


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(build: Path, port: int, log: Path) -> subprocess.Popen:
    code = ("import sys, uvicorn; from fanxing.service import create_app; "
            "uvicorn.run(create_app(sys.argv[1]), host=sys.argv[2], port=int(sys.argv[3]), "
            "log_level='warning', access_log=False)")
    with open(log, "wb") as fh:  # a file, not a pipe: a full pipe would stall the server
        proc = subprocess.Popen([sys.executable, "-c", code, str(build), HOST, str(port)],
                                stdout=subprocess.DEVNULL, stderr=fh)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://{HOST}:{port}/api/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start in 60 s")


def request_mix(base: str, seed: int = 1) -> list[tuple[str, str]]:
    """(kind, path) pairs the generator cycles through: API leaderboards and drama details, some pages."""
    rng = random.Random(seed)
    with httpx.Client(base_url=base) as c:
        ranking = c.get("/api/v1/rankings", params={"limit": 1000}).json()
        periods = c.get("/api/v1/periods").json()
    ids = [r["drama_id"] for r in ranking["items"]]
    plats = sorted({p for r in ranking["items"] for p in r.get("platforms") or []})
    mix: list[tuple[str, str]] = []
    for _ in range(2000):
        x = rng.random()
        if x < 0.40:
            kind = rng.choice([k for k in ("annual", "monthly", "weekly", "launch7") if k in periods])
            q = f"/api/v1/rankings?period={kind}&limit=50&offset={rng.choice([0, 0, 0, 50])}"
            if plats and rng.random() < 0.3:
                q += f"&platform={rng.choice(plats)}"
            mix.append(("api leaderboard", q))
        elif x < 0.80:
            mix.append(("api drama detail", f"/api/v1/dramas/{rng.choice(ids)}"))
        elif x < 0.90:
            mix.append(("page leaderboard", "/"))
        else:
            mix.append(("page drama", f"/dramas/{rng.choice(ids)}"))
    return mix


class Connection:
    """One keep-alive HTTP/1.1 connection with just enough parsing for this server's responses.

    (httpx's async pool adds tens of milliseconds of jitter at a few hundred requests a second on a
    small machine, which would measure the client rather than the server.)"""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                          f"Accept: */*\r\n\r\n".encode())
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
        if "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def drive(base: str, mix: list[tuple[str, str]], rate: float, duration: float, warmup: float,
                connections: int = 64):
    """Open loop: a scheduler enqueues request i at its due time; ``connections`` workers send them."""
    host, port = base.split("//")[1].split(":")
    results: list[tuple[str, float, float, int]] = []  # kind, latency from due time, service time, status
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    t0 = loop.time() + 0.2
    total = int((warmup + duration) * rate)

    async def worker() -> None:
        conn = Connection(host, int(port))
        while True:
            item = await queue.get()
            if item is None:
                conn.close()
                return
            i, due = item
            kind, path = mix[i % len(mix)]
            sent = loop.time()
            try:
                status = await asyncio.wait_for(conn.get(path), timeout=10)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                conn.close()
                status = 0
            done = loop.time()
            if due - t0 >= warmup:
                results.append((kind, done - due, done - sent, status))

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    for i in range(total):
        due = t0 + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((i, due))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    return results, len(results) / duration


async def measured(run):
    """Run the generator while sampling the 1-minute load average once a second (a shared machine's
    other work shows up in the tail latencies)."""
    loads: list[float] = []

    async def sample() -> None:
        while True:
            loads.append(os.getloadavg()[0])
            await asyncio.sleep(1)

    sampler = asyncio.create_task(sample())
    try:
        results, achieved = await run
    finally:
        sampler.cancel()
    return results, achieved, loads


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far (Linux /proc), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _describe_build(build: Path) -> str:
    """What was served: the season and how many dramas and daily rows the build holds."""
    import json

    m = json.loads((Path(build) / "manifest.json").read_text(encoding="utf-8"))
    counts = m.get("counts", {})
    return (f"`{build}` — {m['season']['name']}, {counts.get('rankings.annual', '?')} ranked dramas, "
            f"{counts.get('daily', '?'):,} daily rows, {counts.get('rankings.weekly', '?'):,} weekly ranking rows")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q / 100 * (len(s) - 1))))]


def machine() -> str:
    cpu = cpu_model()
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs{mem}, Python {platform.python_version()}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", type=Path, help="a published build (default: make a demo build in a temp dir)")
    ap.add_argument("--rate", type=float, default=200.0, help="requests per second (fixed arrival rate)")
    ap.add_argument("--duration", type=float, default=30.0, help="measured seconds")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds sent first and not counted")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--notes", type=Path, help="markdown appended to the output (e.g. what changed since the last run)")
    args = ap.parse_args()

    tmp = None
    build = args.build
    if build is None:
        tmp = Path(tempfile.mkdtemp(prefix="fanxing-bench-"))
        print("making a demo build (fanxing demo --dramas 80 --days 60 --seed 7; fanxing build) …", flush=True)
        build = demo_build(tmp)
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="fanxing-bench-server-", suffix=".log")[1])
    server = start_server(build, port, log)
    base = f"http://{HOST}:{port}"
    try:
        mix = request_mix(base)
        print(f"driving {args.rate:.0f} req/s for {args.duration:.0f} s (+{args.warmup:.0f} s warm-up) at {base}",
              flush=True)
        load_before = os.getloadavg()[0]
        cpu_before, wall_before, gen_before = cpu_seconds(server.pid), time.monotonic(), time.process_time()
        results, achieved, loads = asyncio.run(measured(drive(base, mix, args.rate, args.duration, args.warmup)))
        cpu_after, wall, gen_cpu = cpu_seconds(server.pid), time.monotonic() - wall_before, time.process_time() - gen_before
        load_after = os.getloadavg()[0]
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)

    errors = sum(1 for _, _, _, s in results if s != 200)
    server_log = log.read_text(errors="replace")
    if server_log.strip():
        print("server log (tail):\n" + server_log[-2000:], file=sys.stderr)
    log.unlink(missing_ok=True)
    rows = []
    for kind in ["all", *sorted({k for k, _, _, _ in results})]:
        sel = [r for r in results if kind == "all" or r[0] == kind]
        lat = [r[1] * 1000 for r in sel]
        svc = [r[2] * 1000 for r in sel]
        rows.append(f"| {kind} | {len(sel)} | {pct(lat, 50):.1f} | {pct(lat, 99):.1f} | {max(lat):.1f} | "
                    f"{statistics.fmean(svc):.1f} | {sum(1 for r in sel if r[3] != 200)} |")
    lat_all = [r[1] * 1000 for r in results]
    verdict = "met" if pct(lat_all, 99) < 50 and errors == 0 else "NOT met"
    cmd = "python bench/bench_service.py " + " ".join(
        a for a in (f"--build {args.build}" if args.build else "", f"--rate {args.rate:g}",
                    f"--duration {args.duration:g}", f"--warmup {args.warmup:g}") if a)
    built = _describe_build(build)
    server_cpu = (f"; the server process used {cpu_after - cpu_before:.1f} s of CPU in the {wall:.0f} s of warm-up and "
                  f"measurement ({(cpu_after - cpu_before) / wall * 100:.0f} % of one core; the generator "
                  f"{gen_cpu / wall * 100:.0f} %)"
                  if cpu_before is not None and cpu_after is not None else "")
    md = f"""## Service load benchmark

- machine: {machine()}; 1-minute load average {load_before:.2f} before the run, {load_after:.2f} after,
  {min(loads, default=load_before):.2f}–{max(loads, default=load_after):.2f} during it (other work on the machine shows up in the tail latencies)
- command: `{cmd}` (server: uvicorn, one process, 127.0.0.1; generator: this script, another process: asyncio open loop over 64 keep-alive HTTP/1.1 connections)
- build: {built}
- mix: 40 % `GET /api/v1/rankings` (annual/monthly/weekly/launch7, some filtered), 40 % `GET /api/v1/dramas/{{id}}`,
  10 % the leaderboard page `/`, 10 % drama pages `/dramas/{{id}}`
- offered {args.rate:.0f} req/s for {args.duration:.0f} s after {args.warmup:.0f} s of warm-up; achieved {achieved:.1f} req/s;
  latency counted from each request's due time (includes any queueing){server_cpu}

| requests | n | p50 ms | p99 ms | max ms | mean service ms | errors |
|---|---:|---:|---:|---:|---:|---:|
""" + "\n".join(rows) + f"""

Goal p99 < 50 ms with no errors: **{verdict}** (p99 {pct(lat_all, 99):.1f} ms, {errors} errors).
"""
    if args.notes is not None:
        md += "\n" + args.notes.read_text(encoding="utf-8").strip() + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(md, encoding="utf-8")
    print(md)


if __name__ == "__main__":
    main()
