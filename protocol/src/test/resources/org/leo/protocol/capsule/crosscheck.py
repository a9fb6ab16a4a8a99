#!/usr/bin/env python3
"""Opens a capsule file with its key, independently of the Java code: the container and the
header's protobuf are read by hand from docs/capsules.md's tables, the signed bytes and the
additional data are rebuilt from the fields, and Ed25519 and AES-256-GCM are those of the
Python 'cryptography' package (OpenSSL). Usage: crosscheck.py CAPSULE-HEX KEY-HEX; prints the
plaintext in hex, or exits 1 with the reason."""
import hashlib
import struct
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def varint(b, i):
    v, shift = 0, 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, i


def fields(b):
    """protobuf: field number -> int (varint) or bytes (length-delimited); no other wire types here."""
    out, i = {}, 0
    while i < len(b):
        key, i = varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            out[num], i = varint(b, i)
        elif wt == 2:
            n, i = varint(b, i)
            out[num], i = b[i:i + n], i + n
        else:
            sys.exit("wire type %d" % wt)
    return out


def main():
    data, key = bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2])
    if data[:8] != b"LEOCAP1\0":
        sys.exit("not a capsule")
    (hlen,) = struct.unpack(">I", data[8:12])
    header = fields(data[12:12 + hlen])
    (plen,) = struct.unpack(">Q", data[12 + hlen:20 + hlen])
    payload = data[20 + hlen:]
    if len(payload) != plen:
        sys.exit("payload length")
    req = fields(header.get(8, b""))
    terms = (1, header[9]) if 9 in header else (2, header[10])
    label = header.get(12, b"")
    image = req.get(1, b"")
    bound = (struct.pack(">B", header.get(1, 0)) + header[2] + struct.pack(">B", header.get(3, 0)) + header[5]
             + struct.pack(">Q", header.get(6, 0)) + header[7]
             + struct.pack(">B", len(image)) + image
             + struct.pack(">BBQQ", req.get(2, 0), req.get(3, 0), req.get(4, 0), req.get(5, 0))
             + struct.pack(">BQQ", terms[0], terms[1], header.get(11, 0))
             + struct.pack(">B", len(label)) + label)
    signed = b"leo-capsule-v1\0" + bound + header[4]
    Ed25519PublicKey.from_public_bytes(header[2]).verify(header[15], signed)  # raises InvalidSignature
    if hashlib.sha256(payload).digest() != header[4]:
        sys.exit("payload digest")
    aad = hashlib.sha256(b"leo-capsule-aad-v1\0" + bound).digest()
    plaintext = AESGCM(key).decrypt(header[7], payload, aad)
    if hashlib.sha256(plaintext).digest() != header[5] or len(plaintext) != header.get(6, 0):
        sys.exit("plaintext digest or size")
    print(plaintext.hex())


main()
