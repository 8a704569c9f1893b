#!/usr/bin/env python3
"""Times HTTPS requests for bench/credential_proxy_bench.sh.

  credential_proxy_client.py HOST CAFILE MODE COUNT
MODE: "new" (a new TCP + TLS connection per request) or "keepalive" (one connection, COUNT
requests on it). Prints "p50_us p99_us mean_us" over COUNT requests (after 5 not counted), each
from the request's start to its last body byte.
"""
import http.client
import ssl
import statistics
import sys
import time


def main():
    host, cafile, mode, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    context = ssl.create_default_context(cafile=cafile)
    connection = None
    samples = []
    for i in range(count + 5):
        start = time.perf_counter()
        if connection is None or mode == "new":
            if connection is not None:
                connection.close()
            connection = http.client.HTTPSConnection(host, 443, context=context, timeout=20)
        connection.request("GET", "/bench/item")
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            sys.exit(f"status {response.status}")
        if i >= 5:
            samples.append((time.perf_counter() - start) * 1e6)
    samples.sort()
    print("%.0f %.0f %.0f" % (samples[len(samples) // 2], samples[int(len(samples) * 0.99) - 1],
                              statistics.fmean(samples)))


if __name__ == "__main__":
    main()
