"""Does `conformance serve` hold up under load, and keep every write it acknowledged?

    python benchmarks/serve_load.py [--clients 8] [--seconds 10] [--races 20]

Starts `conformance serve --db FILE` on loopback and drives it with N concurrent clients through mixed reads
and writes (list, get, create, revisioned update of rewards) for a fixed time, then prints throughput,
p50/p99 latency and errors (there must be no 5xx). Then revision races: several clients update the same
reward at the same revision at once, and exactly one may win each race. Last, SIGTERM arrives while the
clients are writing: the `--db` file is reopened by a new server and every acknowledged write must be there.

Exit 0 when there was no 5xx, every race had exactly one winner and no acknowledged write was lost. Not a
timed test: machines differ; `tests/test_serve_load.py` runs it briefly.
"""

from __future__ import annotations

import argparse
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from conformance.apis.rewards import RewardsApi, free_shipping  # noqa: E402
from conformance.target import Target, TargetError  # noqa: E402

KEY = "load-benchmark"
POOL = 20  # rewards the clients read and update


@dataclass
class Tally:
    """What the clients saw; shared, so every change holds the lock."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    transport_errors: int = 0
    #: acknowledged writes: reward id -> (revision, name) of the last 200 this client saw
    acknowledged: dict[str, tuple[int, str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def acknowledge(self, reward: dict[str, Any]) -> None:
        revision = int(reward["revision"])
        with self.lock:
            known = self.acknowledged.get(reward["id"])
            if known is None or known[0] < revision:
                self.acknowledged[reward["id"]] = (revision, reward["name"])

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(db: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "conformance", "serve", "--host", "127.0.0.1",
                                "--port", str(port), "--db", str(db)],
                               cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                Target(url, {"Authorization": KEY}, timeout=1).get("/loyalty-rewards/v1/rewards")
                break
            except TargetError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("conformance serve did not start") from None
                time.sleep(0.1)
        yield url, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=15)


def client(url: str) -> RewardsApi:
    return RewardsApi(Target(url, {"Authorization": KEY}, timeout=10))


def timed(tally: Tally, api: RewardsApi, call: Any, *args: Any) -> Any:
    """One request; its latency and status are tallied; None on a transport error."""
    api.target.log.clear()
    started = time.monotonic()
    try:
        exchange = call(*args)
    except TargetError:
        with tally.lock:
            tally.transport_errors += 1
        return None
    tally.record(exchange.status, time.monotonic() - started)
    return exchange


def one_step(tally: Tally, api: RewardsApi, ids: list[str], rng: random.Random, worker: int) -> None:
    """A mixed workload: half reads, a quarter creates, a quarter revisioned updates."""
    roll = rng.random()
    if roll < 0.25:
        timed(tally, api, api.list, 50)
    elif roll < 0.5:
        timed(tally, api, api.get, rng.choice(ids))
    elif roll < 0.75:
        created = timed(tally, api, api.create, free_shipping(f"load {worker}-{rng.randrange(10**9)}"))
        if created is not None and created.status == 200:
            tally.acknowledge(created.body["reward"])
    else:
        reward_id = rng.choice(ids)
        current = timed(tally, api, api.get, reward_id)
        if current is None or current.status != 200:
            return
        reward = current.body["reward"]
        name = f"updated {worker}-{rng.randrange(10**9)}"
        updated = timed(tally, api, api.update, reward_id,
                        {"name": name, "revision": reward["revision"], "type": reward["type"],
                         "couponReward": reward["couponReward"]})
        if updated is not None and updated.status == 200:
            tally.acknowledge(updated.body["reward"])


def drive(url: str, ids: list[str], clients: int, seconds: float, tally: Tally, stop: threading.Event) -> None:
    deadline = time.monotonic() + seconds

    def work(worker: int) -> None:
        api, rng = client(url), random.Random(worker)
        while time.monotonic() < deadline and not stop.is_set():
            one_step(tally, api, ids, rng, worker)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def race(url: str, reward_id: str, contenders: int) -> int:
    """`contenders` clients update one reward at the same revision at once; returns how many won."""
    api = client(url)
    reward = api.get(reward_id).body["reward"]
    barrier = threading.Barrier(contenders)
    wins: list[int] = []

    def contend(n: int) -> None:
        mine = client(url)
        barrier.wait()
        answer = mine.update(reward_id, {"name": f"race {n}", "revision": reward["revision"], "type": reward["type"],
                                         "couponReward": reward["couponReward"]})
        if answer.status == 200:
            wins.append(n)

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(wins)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def lost_writes(url: str, acknowledged: dict[str, tuple[int, str]]) -> list[str]:
    """Acknowledged writes missing from the reopened database (a later revision than acknowledged is fine:
    the server may have committed a write whose answer never arrived)."""
    api, lost = client(url), []
    for reward_id, (revision, name) in acknowledged.items():
        answer = api.get(reward_id)
        stored = answer.body.get("reward") if answer.status == 200 and isinstance(answer.body, dict) else None
        if stored is None or int(stored["revision"]) < revision or (
                int(stored["revision"]) == revision and stored["name"] != name):
            lost.append(reward_id)
    return lost


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--races", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "load.db"
        with serve(db) as (url, _):
            api = client(url)
            ids = [api.create(free_shipping(f"pool {n}")).body["reward"]["id"] for n in range(POOL)]
            tally = Tally()
            started = time.monotonic()
            drive(url, ids, args.clients, args.seconds, tally, threading.Event())
            elapsed = time.monotonic() - started
            winners = [race(url, ids[n % POOL], max(2, args.clients)) for n in range(args.races)]
        requests_done = len(tally.latencies)
        print(f"load: {args.clients} clients, {elapsed:.1f}s, {requests_done} requests, "
              f"{requests_done / elapsed:.0f} req/s, p50 {percentile(tally.latencies, 0.5) * 1000:.1f} ms, "
              f"p99 {percentile(tally.latencies, 0.99) * 1000:.1f} ms")
        print(f"errors: 5xx {tally.server_errors}, transport {tally.transport_errors}; "
              f"statuses {dict(sorted(tally.statuses.items()))}")
        single = sum(1 for w in winners if w == 1)
        print(f"races: {single}/{len(winners)} with exactly one winner ({max(2, args.clients)} contenders each)")

        durable = Tally()
        with serve(db) as (url, process):
            stop = threading.Event()
            ids = [r["id"] for r in (client(url).list(50).body or {}).get("rewards", [])][:POOL]
            load = threading.Thread(target=drive, args=(url, ids, args.clients, 30.0, durable, stop))
            load.start()
            time.sleep(min(2.0, args.seconds))
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=15)
            stop.set()
            load.join()
        with serve(db) as (url, _):
            lost = lost_writes(url, durable.acknowledged)
        print(f"SIGTERM under load: {len(durable.acknowledged)} acknowledged writes, "
              f"lost acknowledged writes: {len(lost)}; 5xx {durable.server_errors}")
    healthy = tally.server_errors == 0 and durable.server_errors == 0 and single == len(winners) and not lost
    print("serve under load: OK" if healthy else "serve under load: PROBLEMS")
    return 0 if healthy else 1


if __name__ == "__main__":
    raise SystemExit(main())
