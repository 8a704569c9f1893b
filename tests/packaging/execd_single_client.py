#!/usr/bin/env python3
"""Drives an execd over HTTP and checks every endpoint family, for execd_single_test.sh.

The root filesystem execd runs in decides what to expect (--shell, --user, --passwd-names); the
caller says whether a MariaDB server (--sql) and a Jupyter server (--jupyter-host) are reachable.
Standard library only (the system's python3 may lack python3-websocket): HTTP with http.client,
the PTY's WebSocket written out by hand. Prints one "ok: ..." line per check; the first failed
check raises, which ends the program with status 1.
"""

import argparse
import base64
import http.client
import json
import os
import socket
import struct
import sys
import time
import uuid

# A first Python cell waits for its kernel to start, which takes long on a busy machine.
TIMEOUT = 60


class CheckFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


class Execd:
    def __init__(self, host, port):
        self.host = host
        self.port = port

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def post_json(self, path, document):
        return self.request("POST", path, json.dumps(document).encode(), {"Content-Type": "application/json"})

    def events(self, path, document):
        """The event stream of a POST as a list of JSON objects (one per non-empty line)."""
        status, body = self.post_json(path, document)
        expect(status == 200, f"{path} answered {status}: {body[:300]!r}")
        return [json.loads(line) for line in body.decode().splitlines() if line.strip()]


def outcome(events):
    """(stdout lines joined by newlines, terminal) of a command or session stream (one event per
    line, without its terminator); terminal is 'complete' or the error's evalue."""
    stdout = "\n".join(event["text"] for event in events if event["type"] == "stdout")
    for event in events:
        if event["type"] == "execution_complete":
            return stdout, "complete"
        if event["type"] == "error":
            return stdout, event["error"]["evalue"]
    raise CheckFailed(f"stream without a terminal event: {events}")


def run_command(execd, command, **extra):
    events = execd.events("/command", dict(command=command, **extra))
    expect(events and events[0]["type"] == "init", f"stream does not start with init: {events[:2]}")
    return events


def check_ping(execd, args):
    status, _ = execd.request("GET", "/ping")
    expect(status == 200, f"/ping answered {status}")
    print("ok: /ping")


def check_commands(execd, args):
    if args.shell == "none":
        events = run_command(execd, "echo unreachable")
        stdout, terminal = outcome(events)
        error = next(event["error"] for event in events if event["type"] == "error")
        expect(stdout == "" and terminal != "complete", f"a command ran without a shell: {events}")
        reason = " ".join(error.get("traceback") or []) + " " + error.get("evalue", "")
        expect("sh" in reason, f"the failure does not name the missing shell: {error}")
        print(f"ok: without a shell a command reports why it cannot start ({reason.strip()})")
        return
    probe = {"bash": 'echo "$BASH_VERSION" | cut -c1', "busybox": "readlink /proc/$$/exe"}[args.shell]
    stdout, terminal = outcome(run_command(execd, f"echo hello; {probe}"))
    want_shell = {"bash": lambda text: text[:1].isdigit(), "busybox": lambda text: text == "/bin/busybox"}
    lines = stdout.split("\n")
    expect(lines[0] == "hello" and want_shell[args.shell](lines[1]) and terminal == "complete",
           f"command under {args.shell}: {stdout!r} {terminal}")
    stdout, terminal = outcome(run_command(execd, "echo partial; exit 3"))
    expect((stdout, terminal) == ("partial", "3"), f"non-zero exit: {stdout!r} {terminal}")
    print(f"ok: commands run by {args.shell}, output streamed, exit code 3 reported")


def multipart(fields):
    boundary = uuid.uuid4().hex
    body = b""
    for name, filename, content_type, data in fields:
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
                 f"Content-Type: {content_type}\r\n\r\n").encode() + data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def upload(execd, path, data, owner=None, group=None):
    metadata = {"path": path, "mode": 640}
    if owner:
        metadata["owner"] = owner
    if group:
        metadata["group"] = group
    body, headers = multipart([("metadata", "metadata", "application/json", json.dumps(metadata).encode()),
                               ("file", os.path.basename(path), "application/octet-stream", data)])
    status, answer = execd.request("POST", "/files/upload", body, headers)
    expect(status == 200, f"upload of {path} answered {status}: {answer[:300]!r}")


def check_files(execd, args):
    data = os.urandom(200 * 1024)
    upload(execd, f"{args.dir}/upload.bin", data)
    on_disk = os.path.join(args.root, args.dir.lstrip("/"), "upload.bin")
    with open(on_disk, "rb") as stored:
        expect(stored.read() == data, "the uploaded file differs on disk")
    status, downloaded = execd.request("GET", f"/files/download?path={args.dir}/upload.bin")
    expect(status == 200 and downloaded == data, f"download answered {status}, {len(downloaded)} bytes")
    status, ranged = execd.request("GET", f"/files/download?path={args.dir}/upload.bin",
                                   headers={"Range": "bytes=100-199"})
    expect(status == 206 and ranged == data[100:200], f"ranged download answered {status}")
    status, body = execd.request("GET", f"/files/info?path={args.dir}/upload.bin")
    info = json.loads(body)[f"{args.dir}/upload.bin"]
    expect(status == 200 and info["size"] == len(data) and info["mode"] == 640, f"file info: {info}")
    expect(info["owner"] == args.root_name, f"owner of a root-owned file: {info['owner']}, want {args.root_name}")
    print(f"ok: a file uploaded, downloaded whole and by range; info names its owner {info['owner']!r}")


def check_user(execd, args):
    uid, gid, name, home, group, extra_gid = args.user.split(":")
    stdout, terminal = outcome(run_command(execd, 'id -u; id -g; id -G; echo "$USER $HOME"', uid=int(uid)))
    lines = stdout.split("\n")
    expect(terminal == "complete", f"command as uid {uid}: {stdout!r} {terminal}")
    expect(lines[0] == uid and lines[1] == gid, f"uid/gid of the command: {lines}")
    expect(extra_gid in lines[2].split(), f"supplementary group {extra_gid} missing: {lines[2]!r}")
    expect(lines[3] == f"{name} {home}", f"USER and HOME: {lines[3]!r}")
    stdout, _ = outcome(run_command(execd, "id -u; id -g", uid=int(uid), gid=int(extra_gid)))
    expect(stdout.split("\n") == [uid, extra_gid], f"explicit gid: {stdout!r}")
    upload(execd, f"{args.dir}/owned.txt", b"owned\n", owner=name, group=group)
    status = os.stat(os.path.join(args.root, args.dir.lstrip("/"), "owned.txt"))
    expect((status.st_uid, status.st_gid) == (int(uid), int(extra_gid)),
           f"uploaded file belongs to {status.st_uid}:{status.st_gid}")
    _, body = execd.request("GET", f"/files/info?path={args.dir}/owned.txt")
    info = json.loads(body)[f"{args.dir}/owned.txt"]
    expect((info["owner"], info["group"]) == (name, group), f"owner names from /etc/passwd: {info}")
    print(f"ok: commands as uid {uid} ({name}) get gid {gid}, group {extra_gid}, USER and HOME; "
          f"uploads owned by {name}:{group}")


def check_session(execd, args):
    if args.shell != "bash":
        status, body = execd.post_json("/session", {})
        expect(status == 500 and b"bash" in body, f"session without bash: {status} {body[:200]!r}")
        print("ok: without bash, POST /session is refused with the reason")
        return
    status, body = execd.post_json("/session", {"cwd": args.dir})
    expect(status == 200, f"POST /session answered {status}: {body!r}")
    session = json.loads(body)["session_id"]
    expect(outcome(execd.events(f"/session/{session}/run", {"command": "x=41; cd /tmp"}))[1] == "complete",
           "first session run failed")
    stdout, terminal = outcome(execd.events(f"/session/{session}/run", {"command": "echo $((x + 1)) $PWD"}))
    expect((stdout, terminal) == ("42 /tmp", "complete"), f"the session kept no state: {stdout!r} {terminal}")
    status, _ = execd.request("DELETE", f"/session/{session}")
    expect(status == 200, f"DELETE /session answered {status}")
    print("ok: a bash session keeps its variables and directory between runs")


class WebSocket:
    """Just enough of RFC 6455 for a client: masked frames out, unfragmented frames in."""

    def __init__(self, host, port, path):
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            expect(chunk, "connection closed during the WebSocket handshake")
            head += chunk
        expect(head.startswith(b"HTTP/1.1 101"), f"WebSocket handshake: {head[:200]!r}")

    def _exactly(self, size):
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            expect(chunk, "WebSocket closed")
            data += chunk
        return data

    def receive(self):
        first, second = self._exactly(2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack(">H", self._exactly(2))[0]
        elif length == 127:
            length = struct.unpack(">Q", self._exactly(8))[0]
        return first & 0x0F, self._exactly(length)

    def send(self, opcode, payload):
        mask = os.urandom(4)
        header = bytes([0x80 | opcode])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        else:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
        masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def close(self):
        self.sock.close()


def pty_until(ws, predicate):
    """Reads frames until predicate(output so far, text frames so far) holds."""
    output, texts = b"", []
    deadline = time.monotonic() + TIMEOUT
    while not predicate(output, texts):
        expect(time.monotonic() < deadline, f"PTY: waited in vain; output {output[-300:]!r}, frames {texts}")
        opcode, payload = ws.receive()
        if opcode == 2 and payload[:1] in (b"\x01", b"\x02"):
            output += payload[1:]
        elif opcode == 1:
            texts.append(json.loads(payload))
        elif opcode == 8:
            texts.append({"type": "close"})
    return output, texts


def check_pty(execd, args):
    status, body = execd.post_json("/pty", {"cwd": "/tmp", "cols": 100, "rows": 30})
    expect(status == 201, f"POST /pty answered {status}: {body!r}")
    session = json.loads(body)["session_id"]
    ws = WebSocket(execd.host, execd.port, f"/pty/{session}/ws")
    try:
        if args.shell == "none":
            _, texts = pty_until(ws, lambda output, texts: any(t["type"] in ("error", "exit", "close")
                                                                for t in texts))
            print(f"ok: without a shell the PTY attach ends with {texts[-1]}")
            return
        ws.send(2, b"\x00" + b"tty; echo pty-$((6 * 7)); exit 5\n")
        output, texts = pty_until(ws, lambda output, texts: any(t["type"] == "exit" for t in texts))
        expect(b"pty-42" in output, f"PTY output: {output[-300:]!r}")
        expect(b"/dev/pts/" in output, f"not a terminal: {output[-300:]!r}")
        exit_frame = next(t for t in texts if t["type"] == "exit")
        expect(exit_frame["exit_code"] == 5, f"PTY exit frame: {exit_frame}")
    finally:
        ws.close()
    print(f"ok: a PTY runs {args.shell} on a /dev/pts terminal, echoes input, reports exit code 5")


def check_sql(execd, args):
    events = execd.events("/code", {"context": {"language": "sql"}, "code": "SELECT 6 * 7 AS answer, 'Zoë' AS name"})
    text = json.dumps(events)
    expect("cannot load" not in text, f"SQL client missing: {text}")
    if not args.sql:
        error = next(event["error"] for event in events if event["type"] == "error")
        expect(error["ename"] == "DBInitError" and "connect" in error["evalue"].lower(),
               f"SQL without a server: {error}")
        print(f"ok: SQL without a server reports the linked client's error ({error['evalue']})")
        return
    result = next(event for event in events if event["type"] == "result")
    table = json.loads(result["results"]["text"])
    expect(table == {"columns": ["answer", "name"], "rows": [["42", "Zoë"]]}, f"SQL result: {table}")
    print("ok: SQL cell answered by the MariaDB server through the linked client")


def check_jupyter(execd, args):
    if not args.jupyter:
        return
    events = execd.events("/code", {"context": {"language": "python"}, "code": "print(6 * 7)"})
    stdout = "".join(event["text"] for event in events if event["type"] == "stdout")
    expect(stdout == "42\n" and events[-1]["type"] == "execution_complete", f"python cell: {events}")
    print(f"ok: a python cell ran on a Jupyter kernel reached by name ({args.jupyter})")


CHECKS = [check_ping, check_commands, check_files, check_user, check_session, check_pty, check_sql,
          check_jupyter]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=44772)
    parser.add_argument("--root", required=True, help="the root filesystem execd runs in, as seen from here")
    parser.add_argument("--dir", default="/tmp/single", help="where in the root the file checks write")
    parser.add_argument("--root-name", default="0", help="what /files/info names uid 0 in that root")
    parser.add_argument("--shell", choices=["bash", "busybox", "none"], required=True)
    parser.add_argument("--user", help="uid:gid:name:home:group:gid of a user of the root's /etc/passwd")
    parser.add_argument("--sql", action="store_true", help="a MariaDB server listens on 127.0.0.1:3306")
    parser.add_argument("--jupyter", help="the Jupyter host execd was given (for the message)")
    args = parser.parse_args()
    execd = Execd("127.0.0.1", args.port)
    try:
        for check in CHECKS:
            if check is check_user and not args.user:
                print("skipped: user switching (the root has no /etc/passwd)")
                continue
            check(execd, args)
    except CheckFailed as failure:
        print(f"FAIL: {failure}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
