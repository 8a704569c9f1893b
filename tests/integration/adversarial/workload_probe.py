#!/usr/bin/python3
"""What an unprivileged workload tries, one action per run; prints one line with the outcome.

  workload_probe.py mark                                 can this process set SO_MARK? "marked"/"unmarked(EPERM)"
  workload_probe.py dns SERVER PORT NAME udp|tcp MARK    a query for an A record: "rcode N" or "error ..."
  workload_probe.py connect IP PORT MARK                 a TCP connection: "connected" or "error ..."
  workload_probe.py squat PORT SECONDS                   listens on TCP and UDP PORT (every address) for
                                                         SECONDS: "tcp N udp M" (connections, datagrams)
  workload_probe.py trickle PORT COUNT SECONDS            COUNT connections to 127.0.0.1:PORT, each sending a
                                                         request head that never ends, a byte every 0.2 s, for
                                                         SECONDS: "closed N" (connections the server closed)
A MARK of 0 sets none; a mark the kernel refuses is reported and the attempt goes on without it.
"""
import errno
import os
import random
import selectors
import socket
import struct
import sys
import time

SO_MARK = 36


def try_mark(sock, mark):
    if mark == 0:
        return ""
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_MARK, mark)
        return "marked "
    except OSError as error:
        return "unmarked(%s) " % errno.errorcode.get(error.errno, error.errno)


def query_bytes(name):
    header = struct.pack("!HHHHHH", random.randrange(65536), 0x0100, 1, 0, 0, 0)
    labels = b"".join(bytes([len(part)]) + part.encode() for part in name.rstrip(".").split("."))
    return header + labels + b"\x00" + struct.pack("!HH", 1, 1)


def dns(server, port, name, transport, mark):
    kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
    sock = socket.socket(socket.AF_INET, kind)
    sock.settimeout(1.5)
    prefix = try_mark(sock, mark)
    try:
        message = query_bytes(name)
        if transport == "udp":
            sock.sendto(message, (server, port))
            answer = sock.recv(4096)
        else:
            sock.connect((server, port))
            sock.sendall(struct.pack("!H", len(message)) + message)
            answer = sock.recv(4096)[2:]
        return prefix + "rcode %d" % (answer[3] & 0x0F)
    except OSError as error:
        return prefix + "error %s" % (errno.errorcode.get(error.errno, "timeout") if error.errno else "timeout")


def connect(ip, port, mark):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(1.0)
    prefix = try_mark(sock, mark)
    try:
        sock.connect((ip, port))
        return prefix + "connected"
    except OSError as error:
        return prefix + "error %s" % (errno.errorcode.get(error.errno, "timeout") if error.errno else "timeout")


def squat(port, seconds):
    listeners = []
    for family, any_address in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            sock = socket.socket(family, kind)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind((any_address, port))
            if kind == socket.SOCK_STREAM:
                sock.listen(16)
            sock.setblocking(False)
            listeners.append(sock)
    print("listening", flush=True)
    counts = {"tcp": 0, "udp": 0}
    selector = selectors.DefaultSelector()
    for sock in listeners:
        selector.register(sock, selectors.EVENT_READ)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for key, _ in selector.select(timeout=max(0.0, deadline - time.monotonic())):
            if key.fileobj.type == socket.SOCK_STREAM:
                key.fileobj.accept()[0].close()
                counts["tcp"] += 1
            else:
                key.fileobj.recv(4096)
                counts["udp"] += 1
    return "tcp %d udp %d" % (counts["tcp"], counts["udp"])


def trickle(port, count, seconds):
    head = b"PATCH /policy HTTP/1.1\r\nHost: x\r\nX-Slow: "
    sockets = []
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
        sockets.append(sock)
    print("trickling", flush=True)
    open_sockets = set(sockets)
    sent = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        byte = head[sent:sent + 1] or b"a"
        sent += 1
        for sock in list(open_sockets):
            try:
                sock.send(byte)
            except BlockingIOError:
                pass
            except OSError:
                open_sockets.discard(sock)
        time.sleep(0.2)
    return "closed %d" % (count - len(open_sockets))


def main(argv):
    action = argv[1]
    if action == "mark":
        return try_mark(socket.socket(), 1).strip()
    if action == "dns":
        return dns(argv[2], int(argv[3]), argv[4], argv[5], int(argv[6], 0))
    if action == "connect":
        return connect(argv[2], int(argv[3]), int(argv[4], 0))
    if action == "trickle":
        return trickle(int(argv[2]), int(argv[3]), float(argv[4]))
    if action == "squat":
        return squat(int(argv[2]), float(argv[3]))
    raise SystemExit("unknown action " + action)


if __name__ == "__main__":
    print(main(sys.argv), flush=True)
