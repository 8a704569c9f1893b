#!/usr/bin/env python3
"""What the single file execd-single costs next to the bundle and the plain binary: size on disk,
start (exec to the first answered /ping) and idle memory (VmRSS and Pss once the server answers
and has been idle for half a second).

Usage: bench/execd_single_bench.py [build-dir]   (default: build-bench; a Release build with the
       execd and execd_single targets built)
Environment: PORT (44792), RUNS (20). Prints figures; asserts nothing.

Three ways to start execd, each RUNS times in turn:
  binary   <build>/execd/execd with the system's libraries (what the test suite runs)
  bundle   scripts/bundle_execd.sh's launcher: sh, the bundled loader and libraries
  single   <build>/execd/execd-single, stripped, as the image would carry it
"""

import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORT = int(os.environ.get("PORT", "44792"))
RUNS = int(os.environ.get("RUNS", "20"))


def ping_answered():
    try:
        with socket.create_connection(("127.0.0.1", PORT), timeout=1) as sock:
            sock.sendall(b"GET /ping HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            return sock.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def memory_kib(pid):
    """(VmRSS, Pss) of the process in KiB."""
    with open(f"/proc/{pid}/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        pss = next(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
    return rss, pss


def start_once(command):
    """(ms from exec to the first 200 on /ping, VmRSS kB, Pss kB)."""
    begin = time.monotonic()
    process = subprocess.Popen(command + ["--port", str(PORT), "--listen-address", "127.0.0.1"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not ping_answered():
            if process.poll() is not None:
                sys.exit(f"{command[0]} exited with {process.returncode} before answering /ping")
            time.sleep(0.0005)
        elapsed = (time.monotonic() - begin) * 1000
        time.sleep(0.5)
        rss, pss = memory_kib(process.pid)
        return elapsed, rss, pss
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait()


def size_of(path):
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)
    return os.path.getsize(path)


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build-bench"))
    binary = os.path.join(build, "execd", "execd")
    single = os.path.join(build, "execd", "execd-single")
    with tempfile.TemporaryDirectory() as work:
        stripped_binary = os.path.join(work, "execd.stripped")
        stripped_single = os.path.join(work, "execd-single")
        subprocess.run(["strip", "-o", stripped_binary, binary], check=True)
        subprocess.run(["strip", "-o", stripped_single, single], check=True)
        bundle = os.path.join(work, "bundle")
        subprocess.run([os.path.join(ROOT, "scripts", "bundle_execd.sh"), stripped_binary, bundle], check=True,
                       stdout=subprocess.DEVNULL)
        print(f"bundle (stripped binary): {size_of(bundle)} bytes in all, lib/ {size_of(bundle + '/lib')} bytes, "
              f"binary {size_of(stripped_binary)} bytes")
        print(f"execd-single: {size_of(single)} bytes, {size_of(stripped_single)} stripped")
        variants = {"binary": [binary], "bundle": [os.path.join(bundle, "execd")], "single": [stripped_single]}
        samples = {name: [] for name in variants}
        for _ in range(RUNS):  # interleaved, so that drift in the machine's speed hits all alike
            for name, command in variants.items():
                samples[name].append(start_once(command))
        print(f"{'start':8} {'median ms':>10} {'p90 ms':>8} {'VmRSS kB':>9} {'Pss kB':>8}   ({RUNS} runs each)")
        for name, runs in samples.items():
            times = sorted(run[0] for run in runs)
            p90 = times[min(len(times) - 1, (len(times) * 9 + 9) // 10 - 1)]
            print(f"{name:8} {statistics.median(times):10.1f} {p90:8.1f} "
                  f"{statistics.median(run[1] for run in runs):9.0f} {statistics.median(run[2] for run in runs):8.0f}")


if __name__ == "__main__":
    if shutil.which("strip") is None:
        sys.exit("needs strip (binutils)")
    main()
