"""Where the CPU of one benchmark phase went, per event and by process: the server's web processes,
its decider (SQLite), PostgreSQL's, Redis's, the load generator (this process) and the rest of
the machine.

The sum tells what a target costs on this machine: at C µs of CPU per event, N cores can decide at
most N × 1,000,000 / C events a second however the work is scheduled, so a target above that can
only be met by spending less CPU per event, not by more workers or connections.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import psutil

# Processes counted by their name: the database and Redis servers on this machine, when used.
_SERVERS = {"PostgreSQL": ("postgres",), "Redis": ("redis-server",)}


def _cpu(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0.0
    return float(times.user + times.system)


def _is_decider(process: psutil.Process) -> bool:
    try:
        return "decider" in process.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _machine_busy() -> float:
    times = psutil.cpu_times()
    return float(times.user + times.nice + times.system + times.irq + times.softirq + times.steal)


@dataclass
class Phase:
    events: int
    wall: float
    seconds: dict[str, float]  # CPU seconds by part, "rest of machine" included
    busy: float  # the machine's busy CPU seconds

    def report(self, target_rate: float = 0.0) -> str:
        per_event = {name: s * 1e6 / self.events for name, s in self.seconds.items() if s > 0}
        total = self.busy * 1e6 / self.events
        cores = psutil.cpu_count() or 1
        parts = ", ".join(f"{name} {us:,.0f}" for name, us in per_event.items())
        line = (
            f"  CPU per event (µs): {parts} = {total:,.0f}; {self.busy / self.wall:.2f} of {cores} cores "
            f"busy; at this CPU per event {cores} cores decide at most {cores * 1e6 / total:,.0f} events/s"
        )
        if target_rate:
            line += f" (a target of {target_rate:,.0f}/s allows {cores * 1e6 / target_rate:,.0f} µs)"
        return line


class CpuMeter:
    """Measures one phase: `start()` before it, `stop(events)` after it."""

    def __init__(self, server_pid: int, *, database: bool, redis: bool) -> None:
        self.server_pid = server_pid
        self.named = {
            name: names
            for name, names in _SERVERS.items()
            if (name == "PostgreSQL" and database) or (name == "Redis" and redis)
        }

    def _processes(self) -> dict[str, list[psutil.Process]]:
        server = psutil.Process(self.server_pid)
        found: dict[str, list[psutil.Process]] = {
            "web": [],
            "decider": [],
            "load generator": [psutil.Process()],
        }
        for process in [server, *server.children(recursive=True)]:
            found["decider" if _is_decider(process) else "web"].append(process)
        for name, names in self.named.items():
            found[name] = [p for p in psutil.process_iter(["name"]) if p.info["name"] in names]
        return found

    def _sample(self) -> dict[int, tuple[str, float]]:
        return {p.pid: (part, _cpu(p)) for part, ps in self._processes().items() for p in ps}

    def start(self) -> None:
        self._before = self._sample()
        self._busy = _machine_busy()
        self._wall = time.monotonic()

    def stop(self, events: int) -> Phase:
        after = self._sample()
        busy = _machine_busy() - self._busy
        wall = time.monotonic() - self._wall
        seconds: dict[str, float] = dict.fromkeys(["web", "decider", *self.named, "load generator"], 0.0)
        for pid, (part, cpu) in after.items():
            # A process started during the phase counts whole; one that ended during it is lost.
            seconds[part] += cpu - self._before.get(pid, (part, 0.0))[1]
        seconds["rest of machine"] = max(0.0, busy - sum(seconds.values()))
        return Phase(events, wall, seconds, busy)
