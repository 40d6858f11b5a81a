#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpora of fuzz_pcap, fuzz_conn, fuzz_http and fuzz_parse into tests/fuzz/corpus/.

  tests/fuzz/mkseeds.py        (from anywhere; needs python3 only)

The seeds come from the golden captures (tests/golden/), the crafted captures of the analysis
tests (tests/e2e/traffic.py pcap-rtt, pcap-scan, pcap-flood), the shipped configuration file
(packaging/wirelens.conf) and the API's documented requests, each cut to a few KB. The input
formats are described at the top of each target's source.
"""
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")
GOLDEN = os.path.join(ROOT, "tests", "golden")


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def pcap_records(data):
    """(header, records) of a classic pcap: records as (sec, frac, caplen, len, bytes)."""
    magic = struct.unpack("<I", data[:4])[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        raise ValueError("not a little-endian classic pcap")
    recs, off = [], 24
    while off + 16 <= len(data):
        sec, frac, caplen, length = struct.unpack("<IIII", data[off:off + 16])
        recs.append((sec, frac, caplen, length, data[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return data[:24], recs, magic == 0xA1B23C4D


def pcap_cut(data, max_bytes, first=0, stride=1):
    """The file header and the whole records (from `first`, every `stride`-th) that fit."""
    hdr, recs, _ = pcap_records(data)
    out = bytearray(hdr)
    for sec, frac, caplen, length, frame in recs[first::stride]:
        rec = struct.pack("<IIII", sec, frac, caplen, length) + frame
        if len(out) + len(rec) > max_bytes:
            break
        out += rec
    return bytes(out)


def conn_records(data, max_frames, cfg, first=0, stride=1):
    """A pcap's Ethernet frames as fuzz_conn records (direction none, exact clock steps)."""
    _, recs, nano = pcap_records(data)
    out, prev = bytearray([cfg]), None
    for sec, frac, caplen, length, frame in recs[first::stride][:max_frames]:
        ts = sec * 10**9 + (frac if nano else frac * 1000)
        step = 0 if prev is None else max(ts - prev, 0)
        prev = ts
        exp = 0
        while step >> (5 * exp) > 0xFFFF:
            exp += 1
        frame = frame[:255]
        out += bytes([2 | exp << 3]) + struct.pack(">HB", step >> (5 * exp), len(frame))
        out += frame
    return bytes(out)


def event(kind_byte, src, dst, port, mant=0, exp=0, step=0, step_exp=0):
    return bytes([0x80 | step_exp, kind_byte, src, dst]) + struct.pack(">H", port) + \
        bytes([mant, exp, step])


def crafted(name):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, name + ".pcap")
        subprocess.run([sys.executable, os.path.join(ROOT, "tests", "e2e", "traffic.py"),
                        "pcap-" + name, path], check=True)
        with open(path, "rb") as f:
            return f.read()


def http_input(state, talkers, packets, window, filter_body, start_body, rec_id, listen,
               config):
    lines = [state] + talkers + packets + [window, filter_body, start_body, rec_id, listen]
    return ("\n".join(lines) + "\n" + config).encode()


def main():
    rtt, scan, flood = crafted("rtt"), crafted("scan"), crafted("flood")
    golden = {}
    for name in ("catalog.pcap", "catalog.pcapng", "catalog-sll.pcap", "catalog-sll2.pcap",
                 "catalog-raw.pcap", "catalog-null.pcap", "catalog-loop.pcap", "bulk500.pcap"):
        with open(os.path.join(GOLDEN, name), "rb") as f:
            golden[name] = f.read()

    # fuzz_pcap: whole small captures of every link type and format, cut larger ones.
    for name, data in golden.items():
        if name == "bulk500.pcap":
            data = pcap_cut(data, 4096)
        write("fuzz_pcap", name.replace(".", "-"), data[:8192])
    write("fuzz_pcap", "rtt-pcap", rtt)
    write("fuzz_pcap", "scan-pcap", pcap_cut(scan, 4096, first=96))
    write("fuzz_pcap", "flood-pcap", pcap_cut(flood, 4096, stride=97))

    # fuzz_parse: every frame of the catalogue, as Ethernet (0x00) and without its link header
    # as raw IP (0x01, the IP frames of catalog-raw.pcap).
    for prefix, name in ((b"\x00", "catalog.pcap"), (b"\x01", "catalog-raw.pcap")):
        _, recs, _ = pcap_records(golden[name])
        for i, rec in enumerate(recs):
            write("fuzz_parse", "%s-%03d" % (name.split(".")[0], i), prefix + rec[4])

    # fuzz_conn: the crafted RTT and TCP-health capture, a scan, a SYN flood, a mix; events.
    write("fuzz_conn", "rtt", conn_records(rtt, 100, 0x00))
    write("fuzz_conn", "scan", conn_records(scan, 60, 0x21, first=96))
    write("fuzz_conn", "flood", conn_records(flood, 60, 0x10, stride=97))
    write("fuzz_conn", "catalog", conn_records(golden["catalog.pcap"], 40, 0x40))
    probes = b"".join(event(0x01, 1, 2, port, step=10, step_exp=20) for port in range(20, 26))
    probes += b"".join(event(0x8B, 3, dst, 443, step=1, step_exp=24) for dst in range(5))
    rtts = b"".join(event(m << 1, 7, 8, 80, mant=m * 40 + 1, exp=17, step=3, step_exp=22)
                    for m in range(3))
    write("fuzz_conn", "events", bytes([0x05]) + probes + rtts)
    # A SYN flood, then port scans from 258 sources while it lasts: the record table fills up
    # with active records and the flood's is the oldest (a use after free once).
    evict = conn_records(flood, 16, 0x10, stride=400)
    for src in range(258):
        fam = 0x80 if src >= 200 else 0
        evict += event(0x01 | fam, src % 200, 1, 1, step=1, step_exp=10)
        evict += event(0x01 | fam, src % 200, 1, 2, step=1, step_exp=10)
    evict += event(0x01, 9, 9, 9, step=1, step_exp=31)
    write("fuzz_conn", "flood-evict", evict)

    # fuzz_http: requests in each capture state, good and bad, and configuration files.
    conf = []
    with open(os.path.join(ROOT, "packaging", "wirelens.conf")) as f:
        for line in f:
            if line.startswith("#") and " = " in line and not line.startswith("# "):
                line = line[1:].rstrip("\n")
                # The example interface becomes one named as the tests' own: never the uplink.
                conf.append("interface = wlv0" if line.startswith("interface =") else line)
    write("fuzz_http", "capturing", http_input(
        "1", ["host", "all", "bytes", "5"], ["10", "tcp or udp port 53", "400"], "60",
        '{"filter":"tcp port 443"}', '{"interface":"lo"}', "1", "127.0.0.1:8080",
        "\n".join(conf) + "\n"))
    write("fuzz_http", "stopped", http_input(
        "2", ["flow", "out", "packets", "1000"], ["100000", "~", "~"], "86400",
        '{"filter":null}', '{"interface":"lo","backend":"pcap","filter":"icmp or arp"}', "7",
        "[::1]:9090", "listen = [::]:8443\nallow-host = wirelens.example\njson = yes\n"))
    write("fuzz_http", "finished", http_input(
        "3", ["pair", "in", "~", "~"], ["1", "ip6 and not tcp", "18446744073709551615"], "1",
        '{"filter":""}', "", "18446744073709551615", "0.0.0.0:80",
        "# comment\r\n\r\n  top = 7  \r\nsample = 0\nfilter = host 198.18.0.1\n"))
    write("fuzz_http", "starting", http_input(
        "0", ["~", "~", "~", "~"], ["~", "~", "~"], "~", "~", "~", "~", "~", ""))
    write("fuzz_http", "bad", http_input(
        "1", ["hosts", "sideways", "size", "0"], ["100001", "tcp and (", "-1"], "86401",
        '{"filter":42}', '{"backend":"xdp","interface":"nonexistent0"}', "0", "[::1:80",
        "unknown-option = 1\n"))
    write("fuzz_http", "bad-config", http_input(
        "1", ["host", "all", "bytes", "10"], ["10", "", "0"], "300", "not json",
        '{"interface":42}', "x", "localhost:8080",
        "snaplen = 99999\nverbose = maybe\n= value\nno equals sign\n"))


if __name__ == "__main__":
    main()
