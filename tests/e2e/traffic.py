#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Traffic for the latency, TCP health and scan tests, and crafted pcaps with exact times.

  traffic.py server ADDR PORT            TCP echo server (one thread per connection)
  traffic.py rtt ADDR PORT CONNS ROUNDS  CONNS connections, each ROUNDS request/response
                                         rounds of 100 bytes, 30 ms apart
  traffic.py bulk ADDR PORT BYTES        send BYTES, then wait for the server to close
  traffic.py sink ADDR PORT              accept, read to EOF, close (for bulk)
  traffic.py udp-server ADDR PORT        answer every datagram (DNS-like)
  traffic.py udp ADDR PORT COUNT         COUNT request/response exchanges, new socket each
  traffic.py http ADDR PORT COUNT        COUNT HTTP/1.0 GETs, a connection each
  traffic.py pcap-rtt FILE               crafted pcap: known handshake, timestamp and ICMP RTTs
                                         and known TCP health events (see expected values below)
  traffic.py pcap-flood FILE             crafted pcap: 4 s of 1,500 SYNs/s from many sources
  traffic.py pcap-scan FILE              crafted pcap: 10 s of normal traffic, then a SYN scan
                                         of 100 ports answered by RST
Every loop is bounded; servers exit after 120 s at the latest.
"""
import socket
import struct
import sys
import threading
import time


def serve_tcp(addr, port, handler):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(128)
    s.settimeout(1)
    end = time.time() + 120
    while time.time() < end:
        try:
            c, _ = s.accept()
        except socket.timeout:
            continue
        threading.Thread(target=handler, args=(c,), daemon=True).start()


def echo(c):
    with c:
        c.settimeout(30)
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    return
                if d.startswith(b"GET "):
                    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    return
                c.sendall(d)
        except OSError:
            return


def sink(c):
    with c:
        c.settimeout(60)
        try:
            while c.recv(65536):
                pass
        except OSError:
            pass


def rtt(addr, port, conns, rounds):
    for _ in range(conns):
        with socket.create_connection((addr, port), timeout=10) as c:
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for _ in range(rounds):
                c.sendall(b"x" * 100)
                got = 0
                while got < 100:
                    d = c.recv(100 - got)
                    if not d:
                        raise SystemExit("server closed early")
                    got += len(d)
                time.sleep(0.03)


def bulk(addr, port, n):
    with socket.create_connection((addr, port), timeout=30) as c:
        buf = b"y" * 65536
        left = n
        while left > 0:
            left -= c.send(buf[: min(left, len(buf))])
        c.shutdown(socket.SHUT_WR)
        c.settimeout(60)
        while c.recv(65536):
            pass


def udp_server(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    s.settimeout(1)
    end = time.time() + 120
    while time.time() < end:
        try:
            d, peer = s.recvfrom(2048)
        except socket.timeout:
            continue
        s.sendto(d[:2] + b"\x81\x80" + d[4:], peer)


def udp(addr, port, count):
    for i in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        q = struct.pack("!HHHHHH", i & 0xFFFF, 0x0100, 1, 0, 0, 0) + b"\x07example\x03com\x00\x00\x01\x00\x01"
        s.sendto(q, (addr, port))
        s.recvfrom(2048)
        s.close()


def http(addr, port, count):
    for _ in range(count):
        with socket.create_connection((addr, port), timeout=10) as c:
            c.sendall(b"GET / HTTP/1.0\r\nHost: test\r\n\r\n")
            while c.recv(4096):
                pass


# --- crafted pcaps ------------------------------------------------------------------------

MAC_A = b"\x02\x00\x00\x00\x00\x01"
MAC_B = b"\x02\x00\x00\x00\x00\x02"


def ip4(s):
    return socket.inet_aton(s)


def frame(src, dst, proto, l4, smac=MAC_A, dmac=MAC_B):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, proto, 0, ip4(src), ip4(dst))
    return dmac + smac + b"\x08\x00" + ip + l4


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", win=65535, ts=None):
    opts = b""
    if ts is not None:
        opts = b"\x01\x01\x08\x0a" + struct.pack("!II", ts[0], ts[1])
    hl = (20 + len(opts)) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, hl << 4, flags, win, 0, 0)
    return frame(src, dst, 6, h + opts + payload)


def syn(src, dst, sport, dport, seq, ack=0, flags=0x02):
    # A kernel-style SYN: MSS, SACK permitted, timestamps, window scale (20 bytes of options)
    opts = b"\x02\x04\x05\xb4\x04\x02\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x00\x01\x03\x03\x07"
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 10 << 4, flags, 64240, 0, 0)
    return frame(src, dst, 6, h + opts)


def raw_syn(src, dst, sport, dport, seq):
    # nmap -sS style: MSS only
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 6 << 4, 0x02, 1024, 0, 0)
    return frame(src, dst, 6, h + b"\x02\x04\x05\xb4")


def icmp_echo(src, dst, typ, ident, seq):
    return frame(src, dst, 1, struct.pack("!BBHHH", typ, 0, 0, ident, seq) + b"p" * 32)


def icmp6_echo(src, dst, typ, ident, seq):
    body = struct.pack("!BBHHH", typ, 0, 0, ident, seq) + b"p" * 32
    ip = struct.pack("!IHBB16s16s", 6 << 28, len(body), 58, 64,
                     socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst))
    return MAC_B + MAC_A + b"\x86\xdd" + ip + body


def write_pcap(path, frames):
    with open(path, "wb") as f:
        # nanosecond pcap
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))
        for t, fr in sorted(frames, key=lambda x: x[0]):
            sec = int(t // 1_000_000_000)
            ns = int(t % 1_000_000_000)
            f.write(struct.pack("<IIII", sec, ns, len(fr), len(fr)) + fr)


T0 = 1_700_000_000 * 1_000_000_000
MS = 1_000_000


def pcap_rtt(path):
    """Expected (docs in tests/e2e/analysis.sh): handshake 10.000 ms (responder) and 0.500 ms
    (initiator); timestamp 12.300 ms x3; ICMP 7.000 ms x2 and ICMPv6 3.000 ms x2 (together:
    p50 3 ms, max 7 ms); 1 retransmission, 1 out-of-order
    segment, 3 duplicate ACKs, 1 zero window, 1 reset."""
    c, s = "198.18.5.1", "198.18.5.2"
    cp, sp = 40000, 443
    fr = []
    t = T0
    fr.append((t, syn(c, s, cp, sp, 1000)))
    fr.append((t + 10 * MS, syn(s, c, sp, cp, 5000, 1001, 0x12)))
    fr.append((t + 10 * MS + MS // 2, tcp(c, s, cp, sp, 1001, 5001, 0x10)))
    # Three request/response rounds: request TSval echoed by the response 12.3 ms later.
    seq_c, seq_s = 1001, 5001
    for i in range(3):
        t1 = t + (100 + 100 * i) * MS
        fr.append((t1, tcp(c, s, cp, sp, seq_c, seq_s, 0x18, b"q" * 100, ts=(200 + i, 100 + i))))
        seq_c += 100
        fr.append((t1 + 12 * MS + 300_000, tcp(s, c, sp, cp, seq_s, seq_c, 0x18, b"r" * 100, ts=(900 + i, 200 + i))))
        seq_s += 100
    # Retransmission: the server's last segment again, 300 ms later (ts option off: no sample).
    t2 = t + 700 * MS
    fr.append((t2, tcp(s, c, sp, cp, seq_s - 100, seq_c, 0x18, b"r" * 100)))
    # Out of order: 200..300 arrives before 100..200, 0.2 ms apart.
    t3 = t + 800 * MS
    fr.append((t3, tcp(c, s, cp, sp, seq_c + 100, seq_s, 0x18, b"o" * 100)))
    fr.append((t3 + 200_000, tcp(c, s, cp, sp, seq_c, seq_s, 0x18, b"o" * 100)))
    seq_c += 200
    # One ACK and three duplicates from the server while data of the client is outstanding:
    # the client's data is acknowledged only up to seq_c - 100.
    t4 = t + 900 * MS
    for i in range(4):
        fr.append((t4 + i * MS, tcp(s, c, sp, cp, seq_s, seq_c - 100, 0x10)))
    # Zero window, then a reset from the client.
    fr.append((t + 950 * MS, tcp(s, c, sp, cp, seq_s, seq_c, 0x10, win=0)))
    fr.append((t + 960 * MS, tcp(c, s, cp, sp, seq_c, seq_s, 0x14)))
    # ICMP echo: 7 ms, twice; ICMPv6 echo: 3 ms, twice.
    for i in range(2):
        t5 = t + (1000 + 100 * i) * MS
        fr.append((t5, icmp_echo(c, s, 8, 77, i + 1)))
        fr.append((t5 + 7 * MS, icmp_echo(s, c, 0, 77, i + 1)))
        fr.append((t5 + 50 * MS, icmp6_echo("2001:2::5:1", "2001:2::5:2", 128, 78, i + 1)))
        fr.append((t5 + 53 * MS, icmp6_echo("2001:2::5:2", "2001:2::5:1", 129, 78, i + 1)))
    write_pcap(path, fr)


def pcap_flood(path):
    fr = []
    dst = "198.18.6.1"
    for i in range(4 * 1500):
        t = T0 + i * (1_000_000_000 // 1500)
        src = "198.19.%d.%d" % ((i >> 8) & 0xFF, i & 0xFF)
        fr.append((t, raw_syn(src, dst, 1024 + (i % 50000), 80, i * 7919)))
    write_pcap(path, fr)


def pcap_scan(path):
    fr = []
    a, b, scanner = "198.18.7.1", "198.18.7.2", "198.18.7.66"
    # 10 s of an ordinary connection's data, one segment every 100 ms
    fr.append((T0, syn(b, a, 50000, 22, 1)))
    fr.append((T0 + MS, syn(a, b, 22, 50000, 9, 2, 0x12)))
    fr.append((T0 + 2 * MS, tcp(b, a, 50000, 22, 2, 10, 0x10)))
    for i in range(100):
        fr.append((T0 + (10 + i * 100) * MS, tcp(b, a, 50000, 22, 2 + 10 * i, 10, 0x18, b"d" * 10)))
    # Then a SYN scan of ports 1..100 of a, every one answered by RST/ACK.
    ts = T0 + 10_500 * MS
    for p in range(1, 101):
        t = ts + p * MS
        fr.append((t, raw_syn(scanner, a, 61000, p, 4242)))
        fr.append((t + 100_000, tcp(a, scanner, p, 61000, 0, 4243, 0x14, win=0)))
    write_pcap(path, fr)


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "server":
        serve_tcp(args[0], int(args[1]), echo)
    elif cmd == "sink":
        serve_tcp(args[0], int(args[1]), sink)
    elif cmd == "rtt":
        rtt(args[0], int(args[1]), int(args[2]), int(args[3]))
    elif cmd == "bulk":
        bulk(args[0], int(args[1]), int(args[2]))
    elif cmd == "udp-server":
        udp_server(args[0], int(args[1]))
    elif cmd == "udp":
        udp(args[0], int(args[1]), int(args[2]))
    elif cmd == "http":
        http(args[0], int(args[1]), int(args[2]))
    elif cmd == "pcap-rtt":
        pcap_rtt(args[0])
    elif cmd == "pcap-flood":
        pcap_flood(args[0])
    elif cmd == "pcap-scan":
        pcap_scan(args[0])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
