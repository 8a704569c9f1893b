#!/usr/bin/env python3
"""The servers the sandbox talks to through the credential proxy: HTTPS on 443 (certificate from
--cert/--key) and plain HTTP on 80, both answering every request with what they received.

  any path          200 JSON {"method","path","headers":{lowercase name: [values]},"body_bytes","body_sha256"}
  …/download?bytes=N   N bytes of b"x", Content-Length framed
  …/reflect            as any path, plus the request's Authorization echoed in X-Reflected-Authorization
  …/ws                 101 Switching Protocols, then every byte received is sent back
Bodies may be Content-Length framed or chunked; connections are kept alive (HTTP/1.1). Each
request is logged on stdout as "<method> <target> authorization=<True|False>".
"""
import argparse
import hashlib
import json
import socket
import socketserver
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # the head and the body are separate writes

    def log_message(self, *args):
        pass

    def read_body(self):
        digest = hashlib.sha256()
        total = 0
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                remaining = size
                while remaining:
                    chunk = self.rfile.read(min(remaining, 1 << 20))
                    digest.update(chunk)
                    remaining -= len(chunk)
                    total += len(chunk)
                self.rfile.readline()
        else:
            remaining = int(self.headers.get("Content-Length", "0") or 0)
            while remaining:
                chunk = self.rfile.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                digest.update(chunk)
                remaining -= len(chunk)
                total += len(chunk)
        return total, digest.hexdigest()

    def answer(self):
        body_bytes, body_sha256 = self.read_body()
        url = urlsplit(self.path)
        print(f"{self.command} {self.path} authorization={'Authorization' in self.headers}", flush=True)
        if url.path.endswith("/ws"):
            return self.websocket()
        if url.path.endswith("/download"):
            return self.download(int(parse_qs(url.query).get("bytes", ["0"])[0]))
        headers = {}
        for name, value in self.headers.items():
            headers.setdefault(name.lower(), []).append(value)
        document = json.dumps({"method": self.command, "path": self.path, "headers": headers,
                               "body_bytes": body_bytes, "body_sha256": body_sha256}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(document)))
        if url.path.endswith("/reflect"):
            self.send_header("X-Reflected-Authorization", self.headers.get("Authorization", ""))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(document)

    def download(self, size):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        block = b"x" * (1 << 20)
        while size:
            piece = block[: min(size, len(block))]
            self.wfile.write(piece)
            size -= len(piece)

    def websocket(self):
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.end_headers()
        self.wfile.flush()
        while True:
            data = self.connection.recv(65536)
            if not data:
                break
            self.connection.sendall(data)
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = answer


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


class TlsServer(Server):
    def __init__(self, address, context):
        super().__init__(address, Handler)
        self.context = context

    def get_request(self):
        connection, peer = self.socket.accept()
        connection.settimeout(30)
        return self.context.wrap_socket(connection, server_side=True, do_handshake_on_connect=False), peer

    def finish_request(self, request, client_address):
        try:
            request.do_handshake()
        except (ssl.SSLError, OSError):
            return
        super().finish_request(request, client_address)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--https-port", type=int, default=443)
    parser.add_argument("--http-port", type=int, default=80)
    options = parser.parse_args()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(options.cert, options.key)
    context.set_alpn_protocols(["http/1.1"])
    servers = [TlsServer(("0.0.0.0", options.https_port), context), Server(("0.0.0.0", options.http_port), Handler)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print("serving", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    sys.exit(main())
