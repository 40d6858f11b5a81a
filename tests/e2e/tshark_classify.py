#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Classify frames the way DESIGN.md counts them, from tshark's own dissection (the oracle).

Reads the tab-separated output of
  tshark -T fields -E separator=/t -e frame.len -e eth.type -e vlan.etype -e ip.proto
         -e ipv6.nxt -e ipv6.hopopts.nxt -e ipv6.routing.nxt -e ipv6.fraghdr.nxt
         -e ipv6.dstopts.nxt -e _ws.malformed -e _ws.expert.message
and prints {"totals", "l3", "l4"} with {"packets", "bytes"} leaves, or with --frames one line
per frame: "LEN L3 L4 BADIP" (BADIP 1 when tshark finds the link or IP header itself malformed,
so that it cannot say which L4 protocol follows).

Rules (DESIGN.md): up to two VLAN tags are skipped, a third leaves the frame "other"; the L4
protocol is the one after the IPv6 extension headers, found by following the Next Header chain
to its end, however long (as tshark dissects it); fragments count by that number; tunnels by
their outer headers (first occurrences).
"""
import json
import re
import sys

L3 = {0x0800: "ipv4", 0x86DD: "ipv6", 0x0806: "arp"}
L4 = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}
# Extension header number -> index of the field holding its Next Header values.
EXT = {0: 5, 43: 6, 44: 7, 60: 8}
BAD_IP = re.compile(r"Malformed Packet: (Ethernet|VLAN|IPv4|IPv6)|Bogus IP")
MAX_VLAN = 2


def ints(field, base=10):
    return [int(v, base) for v in field.split(",") if v]


def classify(line):
    f = line.rstrip("\n").split("\t") + [""] * 11
    length = int(f[0])
    vlans = ints(f[2], 16)
    if len(vlans) > MAX_VLAN:
        et = -1
    elif vlans:
        et = vlans[-1]
    else:
        et = (ints(f[1], 16) or [-1])[0]
    l3 = L3.get(et, "other")
    proto = None
    if l3 == "ipv4":
        proto = (ints(f[3]) or [None])[0]
    elif l3 == "ipv6":
        queues = {k: ints(f[i]) for k, i in EXT.items()}
        nh = (ints(f[4]) or [None])[0]
        for _ in range(sum(len(q) for q in queues.values())):
            if nh not in EXT or not queues[nh]:
                break
            nh = queues[nh].pop(0)
        proto = None if nh in EXT else nh
    l4 = L4.get(proto, "other")
    bad_ip = int(bool(BAD_IP.search(f[9] + "," + f[10])))
    return length, l3, l4, bad_ip


def main():
    frames = [classify(line) for line in sys.stdin if line.strip()]
    if "--frames" in sys.argv[1:]:
        for fr in frames:
            print(*fr)
        return
    z = lambda: {"packets": 0, "bytes": 0}
    r = {"totals": z(), "l3": {k: z() for k in ("ipv4", "ipv6", "arp", "other")},
         "l4": {k: z() for k in ("tcp", "udp", "icmp", "icmpv6", "other")}}
    for length, l3, l4, _ in frames:
        for c in (r["totals"], r["l3"][l3], r["l4"][l4]):
            c["packets"] += 1
            c["bytes"] += length
    print(json.dumps(r, sort_keys=True))


if __name__ == "__main__":
    main()
