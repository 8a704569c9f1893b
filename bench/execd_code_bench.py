#!/usr/bin/python3
"""execd code-cell benchmark: the round trip of a trivial cell (`1+1`) through execd's POST /code
against the same cell sent straight to the kernel's WebSocket, in the same run and on the same kernel.

Starts its own Jupyter server (Debian's jupyter-server + ipykernel) and execd on loopback, creates one
context through execd, then alternates: one cell through execd (POST /code on a keep-alive connection,
read to the end of the stream), one cell straight to the kernel (execute_request on a WebSocket kept
open, until that request's execute_reply and its idle status). Prints p50/p99 of both and the
difference. A benchmark, not a test: it asserts nothing.

Usage: cmake --build build-bench --target execd
       bench/execd_code_bench.py [build-dir]          (default build-dir: build-bench)
Environment: CELLS (300 of each).
Needs: jupyter-server, python3-ipykernel, python3-websocket (scripts/setup.sh installs them).
"""
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import websocket


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(f"execd_code_bench: {what} did not start")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def http_json(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, json.loads(data) if data else None


class DirectKernel:
    """execute_request straight to the kernel over one WebSocket."""

    def __init__(self, jupyter_port, token, kernel_id):
        self.ws = websocket.create_connection(
            f"ws://127.0.0.1:{jupyter_port}/api/kernels/{kernel_id}/channels",
            header=[f"Authorization: Token {token}"])
        self.session = str(uuid.uuid4())

    def run(self, code):
        msg_id = str(uuid.uuid4())
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": "bench", "session": self.session, "date": "",
                       "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "buffers": [], "channel": "shell",
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        idle = reply = False
        while not (idle and reply):
            message = json.loads(self.ws.recv())
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = message["header"]["msg_type"]
            if kind == "execute_reply":
                reply = True
            elif kind == "status" and message["content"].get("execution_state") == "idle":
                idle = True


class ThroughExecd:
    """POST /code on one keep-alive connection, read to the end of the stream."""

    def __init__(self, port, context_id):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.context_id = context_id

    def run(self, code):
        body = json.dumps({"context": {"id": self.context_id, "language": "python"}, "code": code})
        self.connection.request("POST", "/code", body=body)
        response = self.connection.getresponse()
        data = response.read()
        if response.status != 200 or b"execution_complete" not in data:
            sys.exit(f"execd_code_bench: unexpected answer {response.status} {data[:200]!r}")


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build-bench"))
    execd_bin = os.path.join(build, "execd", "execd")
    if not os.access(execd_bin, os.X_OK):
        sys.exit(f"execd_code_bench: {execd_bin} not built (see the usage comment)")
    cells = int(os.environ.get("CELLS", "300"))
    work = tempfile.mkdtemp(prefix="execd-code-bench-")
    token = uuid.uuid4().hex
    jupyter_port, execd_port = free_port(), free_port()
    env = dict(os.environ, HOME=work, JUPYTER_RUNTIME_DIR=work + "/runtime", IPYTHONDIR=work + "/ipython")
    processes = []
    try:
        processes.append(subprocess.Popen(
            ["/usr/bin/jupyter-server", "--allow-root", "--no-browser", "--ServerApp.ip=127.0.0.1",
             f"--ServerApp.port={jupyter_port}", "--ServerApp.port_retries=0", f"--ServerApp.token={token}",
             f"--ServerApp.root_dir={work}"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        auth = {"Authorization": f"Token {token}"}
        wait_for(lambda: http_json(jupyter_port, "GET", "/api/kernelspecs", headers=auth)[0] == 200, "Jupyter")
        processes.append(subprocess.Popen(
            [execd_bin, "--listen-address", "127.0.0.1", "--port", str(execd_port), "--log-level", "3",
             "--jupyter-host", f"http://127.0.0.1:{jupyter_port}", "--jupyter-token", token],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for(lambda: http_json(execd_port, "GET", "/ping")[0] == 200, "execd")

        status, context = http_json(execd_port, "POST", "/code/context", {"language": "python"})
        if status != 200:
            sys.exit(f"execd_code_bench: cannot create a context: {status} {context}")
        _, session = http_json(jupyter_port, "GET", f"/api/sessions/{context['id']}", headers=auth)
        direct = DirectKernel(jupyter_port, token, session["kernel"]["id"])
        execd = ThroughExecd(execd_port, context["id"])
        for _ in range(20):  # warm-up
            direct.run("1+1")
            execd.run("1+1")
        timings = {"direct": [], "execd": []}
        for _ in range(cells):
            for name, client in (("execd", execd), ("direct", direct)):
                started = time.perf_counter()
                client.run("1+1")
                timings[name].append((time.perf_counter() - started) * 1000)
        p50 = {name: statistics.median(values) for name, values in timings.items()}
        p99 = {name: percentile(values, 0.99) for name, values in timings.items()}
        print(f"1+1 round trip, {cells} cells each, alternating, same kernel")
        print(f"  straight to the kernel WebSocket: p50 {p50['direct']:.2f} ms  p99 {p99['direct']:.2f} ms")
        print(f"  through execd POST /code:         p50 {p50['execd']:.2f} ms  p99 {p99['execd']:.2f} ms")
        print(f"  execd adds:                       p50 {p50['execd'] - p50['direct']:.2f} ms  "
              f"p99 {p99['execd'] - p99['direct']:.2f} ms   (goal: <= 1 ms at p50)")
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        subprocess.run(["rm", "-rf", work], check=False)


if __name__ == "__main__":
    main()
