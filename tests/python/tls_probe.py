#!/usr/bin/env python3
"""What a TLS listener accepts: a TLS 1.3 handshake (and the certificate it serves) and
whether a client limited to TLS 1.2 gets in. Prints a JSON report.

usage: tls_probe.py HOST PORT CA_FILE
"""
import hashlib
import json
import socket
import ssl
import sys


def handshake(host, port, ca, max_version):
    context = ssl.create_default_context(cafile=ca)
    context.maximum_version = max_version
    with socket.create_connection((host, port), timeout=10) as raw:
        try:
            with context.wrap_socket(raw, server_hostname=host) as tls:
                return {"version": tls.version(), "certSha256": hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()}
        except (ssl.SSLError, ConnectionResetError) as e:
            return {"refused": type(e).__name__}


host, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
print(json.dumps({
    "tls13": handshake(host, port, ca, ssl.TLSVersion.TLSv1_3),
    "tls12": handshake(host, port, ca, ssl.TLSVersion.TLSv1_2),
}))
