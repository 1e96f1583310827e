#!/usr/bin/env python3
"""Spoofed IKE_SA_INIT flood for `npm run bench -- flood` (bench/flood-run.ts).

A raw IPv4 socket (IP_HDRINCL) writes each datagram's IP header itself, so every
packet carries a source address of our choosing (SOURCES addresses from SRC_NET, in
turn) and the sender never sees an answer: like a spoofing attacker, it cannot echo
a responder's COOKIE. Each packet is one of the IKE_SA_INIT templates read from
stdin (hex, one UDP payload per line, made by our engine) with a fresh initiator
SPI, so the responder sees a new half-open SA each time.

    flood-sender.py DST RATE SECONDS SRC_NET SOURCES < templates.hex

RATE packets per second for SECONDS (paced every millisecond). Prints one JSON
line per second ({"t", "sent", "errors"}) and a last line with "done": true.
Needs CAP_NET_RAW (root) in the namespace it runs in.
"""
import ipaddress
import json
import os
import socket
import struct
import sys
import time

IKE_PORT = 500


def main() -> None:
    if len(sys.argv) != 6:
        sys.exit('usage: flood-sender.py DST RATE SECONDS SRC_NET SOURCES < templates.hex')
    dst = socket.inet_aton(sys.argv[1])
    rate = float(sys.argv[2])
    seconds = float(sys.argv[3])
    net = ipaddress.IPv4Network(sys.argv[4])
    n_src = min(int(sys.argv[5]), net.num_addresses - 2)
    templates = [bytes.fromhex(l.strip()) for l in sys.stdin if l.strip()]
    if not templates or rate <= 0 or n_src < 1:
        sys.exit('flood-sender: need templates on stdin, RATE > 0 and SOURCES >= 1')
    base = int(net.network_address) + 1
    # spread consecutive packets over the address block (a prime stride visits every address)
    sources = [struct.pack('!I', base + (k * 7919) % n_src) for k in range(n_src)]
    # IPv4 header without the source: version/IHL, TOS, total length and ID
    # (the kernel fills both in with IP_HDRINCL), flags/fragment, TTL 64, UDP, checksum (kernel)
    ip_head = struct.pack('!BBHHHBBH', 0x45, 0, 0, 0, 0, 64, socket.IPPROTO_UDP, 0)
    # UDP header + IKE payload after the SPI, per template; UDP checksum 0 (none, allowed in IPv4)
    tails = [(struct.pack('!HHHH', IKE_PORT, IKE_PORT, 8 + len(t), 0), t[8:]) for t in templates]

    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * 1024 * 1024)
    addr = (sys.argv[1], 0)
    spi_base = int.from_bytes(os.urandom(8), 'big')

    sent = 0
    errors = 0
    t0 = time.monotonic()
    next_report = 1.0
    k = 0
    while True:
        now = time.monotonic() - t0
        if now >= seconds:
            break
        if now >= next_report:
            print(json.dumps({'t': round(now, 3), 'sent': sent, 'errors': errors}), flush=True)
            next_report += 1.0
        due = int(now * rate) - sent - errors
        if due <= 0:
            time.sleep(0.001)
            continue
        for _ in range(min(due, 2000)):
            udp, rest = tails[k % len(tails)]
            spi = ((spi_base + k * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF).to_bytes(8, 'big')
            pkt = ip_head + sources[k % n_src] + dst + udp + spi + rest
            k += 1
            try:
                s.sendto(pkt, addr)
                sent += 1
            except OSError:
                errors += 1
    elapsed = time.monotonic() - t0
    print(json.dumps({'t': round(elapsed, 3), 'sent': sent, 'errors': errors, 'rate': round(sent / elapsed, 1), 'sources': n_src, 'done': True}), flush=True)


if __name__ == '__main__':
    main()
