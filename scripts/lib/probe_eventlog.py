#!/usr/bin/env python3
"""Analysis half of scripts/probe-measured-boot (a probe, not product code).

Usage: probe_eventlog.py BUILD_DIR WORK_DIR CASE...
For each case directory WORK_DIR/CASE (eventlog.bin, pcrs.txt, serial.log): parses the TCG PC
Client crypto-agile event log (TCG_PCR_EVENT header + TCG_PCR_EVENT2 records), prints every event
of PCRs 0-15 (type, sha256, data), replays the sha256 bank (PCR 0 starting from the locality of
the EV_NO_ACTION StartupLocality event) and compares with the PCRs the guest read, and names every
digest it can recompute independently from the files in BUILD_DIR (Authenticode of the UKIs and
of the kernel, the UKI's sections, the command line in the encodings systemd-stub might use, the
initrds).
"""
import hashlib
import os
import re
import struct
import subprocess
import sys

ALG = {0x0004: ("sha1", 20), 0x000B: ("sha256", 32), 0x000C: ("sha384", 48), 0x000D: ("sha512", 64),
       0x0012: ("sm3_256", 32)}
EVT = {0x0: "EV_PREBOOT_CERT", 0x1: "EV_POST_CODE", 0x3: "EV_NO_ACTION", 0x4: "EV_SEPARATOR",
       0x5: "EV_ACTION", 0x6: "EV_EVENT_TAG", 0x7: "EV_S_CRTM_CONTENTS", 0x8: "EV_S_CRTM_VERSION",
       0x9: "EV_CPU_MICROCODE", 0xA: "EV_PLATFORM_CONFIG_FLAGS", 0xB: "EV_TABLE_OF_DEVICES",
       0xC: "EV_COMPACT_HASH", 0xD: "EV_IPL", 0xE: "EV_IPL_PARTITION_DATA", 0xF: "EV_NONHOST_CODE",
       0x10: "EV_NONHOST_CONFIG", 0x11: "EV_NONHOST_INFO", 0x12: "EV_OMIT_BOOT_DEVICE_EVENTS",
       0x80000001: "EV_EFI_VARIABLE_DRIVER_CONFIG", 0x80000002: "EV_EFI_VARIABLE_BOOT",
       0x80000003: "EV_EFI_BOOT_SERVICES_APPLICATION", 0x80000004: "EV_EFI_BOOT_SERVICES_DRIVER",
       0x80000005: "EV_EFI_RUNTIME_SERVICES_DRIVER", 0x80000006: "EV_EFI_GPT_EVENT",
       0x80000007: "EV_EFI_ACTION", 0x80000008: "EV_EFI_PLATFORM_FIRMWARE_BLOB",
       0x80000009: "EV_EFI_HANDOFF_TABLES", 0x8000000A: "EV_EFI_PLATFORM_FIRMWARE_BLOB2",
       0x8000000B: "EV_EFI_HANDOFF_TABLES2", 0x800000E0: "EV_EFI_VARIABLE_AUTHORITY",
       0x800000E1: "EV_EFI_SPDM_FIRMWARE_BLOB"}


def parse(buf):
    """-> (spec_header_dict, [events]) for a crypto-agile log; event: dict pcr,type,digests,data."""
    o = 0
    pcr, etype = struct.unpack_from("<II", buf, o)
    o += 8 + 20  # SHA1 digest of the legacy header event
    (size,) = struct.unpack_from("<I", buf, o)
    o += 4
    hdr = buf[o:o + size]
    o += size
    if not hdr.startswith(b"Spec ID Event03\0"):
        raise ValueError("not a crypto-agile log")
    n = struct.unpack_from("<I", hdr, 24)[0]
    sizes = {}
    for i in range(n):
        a, s = struct.unpack_from("<HH", hdr, 28 + 4 * i)
        sizes[a] = s
    events = [dict(pcr=pcr, type=etype, digests={}, data=hdr, offset=0)]
    while o < len(buf):
        start = o
        if len(buf) - o < 12:
            break
        pcr, etype, cnt = struct.unpack_from("<III", buf, o)
        if pcr == 0xFFFFFFFF or (pcr == 0 and etype == 0 and cnt == 0):
            break
        o += 12
        dig = {}
        for _ in range(cnt):
            (a,) = struct.unpack_from("<H", buf, o)
            o += 2
            dig[a] = buf[o:o + sizes[a]]
            o += sizes[a]
        (dsize,) = struct.unpack_from("<I", buf, o)
        o += 4
        events.append(dict(pcr=pcr, type=etype, digests=dig, data=buf[o:o + dsize], offset=start))
        o += dsize
    return sizes, events


def utf16z(b):
    try:
        s = b.decode("utf-16-le")
    except UnicodeDecodeError:
        return None
    return s


def describe(ev):
    d, t = ev["data"], ev["type"]
    if t == 0x3 and d.startswith(b"StartupLocality\0"):
        return "StartupLocality=%d" % d[16]
    if t == 0x3:
        return "NoAction %r" % d[:24]
    if t in (0x80000003, 0x80000004, 0x80000005) and len(d) >= 32:
        addr, ln, lnk, dpl = struct.unpack_from("<QQQQ", d, 0)
        return "image at 0x%x len %d, device path %d bytes: %s" % (addr, ln, dpl, devpath(d[32:32 + dpl]))
    if t in (0x80000001, 0x80000002, 0x800000E0) and len(d) >= 32:
        guid = d[:16]
        nlen, dlen = struct.unpack_from("<QQ", d, 16)
        name = d[32:32 + 2 * nlen].decode("utf-16-le", "replace")
        return "var %s (%d data bytes)" % (name, dlen)
    if t == 0x80000006:
        return "GPT event (%d bytes)" % len(d)
    if t == 0x4:
        return "separator %s" % d.hex()
    s = utf16z(d) if len(d) % 2 == 0 and len(d) > 1 and d[1] == 0 else None
    if s is not None:
        return "UTF-16: %r" % s
    if all(32 <= c < 127 or c in (0, 10, 13) for c in d):
        return "ASCII: %r" % d.decode("ascii")
    return "%d bytes: %s%s" % (len(d), d[:48].hex(), "..." if len(d) > 48 else "")


def devpath(b):
    out, o = [], 0
    while o + 4 <= len(b):
        t, st, ln = b[o], b[o + 1], struct.unpack_from("<H", b, o + 2)[0]
        if ln < 4:
            break
        body = b[o + 4:o + ln]
        if t == 0x7F:
            break
        if t == 4 and st == 4:
            out.append("File(%s)" % body.decode("utf-16-le", "replace").rstrip("\0"))
        elif t == 4 and st == 6:
            out.append("FvFile(%s)" % guid_str(body))
        elif t == 4 and st == 7:
            out.append("Fv(%s)" % guid_str(body))
        elif t == 3 and st == 11:
            out.append("MAC(%s)" % body[:6].hex())
        elif t == 3 and st == 12:
            out.append("IPv4(...)")
        elif t == 1 and st == 1:
            out.append("Pci(%x,%x)" % (body[1], body[0]))
        elif t == 2 and st == 1:
            out.append("PciRoot(%x)" % struct.unpack_from("<I", body, 4)[0])
        elif t == 3 and st == 24:
            out.append("Uri(%s)" % body.decode("ascii", "replace"))
        else:
            out.append("DP(%d,%d,%s)" % (t, st, body[:16].hex()))
        o += ln
    return "/".join(out) or "(none)"


def guid_str(b):
    a, b1, c = struct.unpack_from("<IHH", b, 0)
    return "%08X-%04X-%04X-%s-%s" % (a, b1, c, b[8:10].hex().upper(), b[10:16].hex().upper())


def authenticode_sha256(path):
    """PE/COFF Authenticode SHA-256 (Microsoft PE spec, 'Calculating the PE Image Hash'), own code."""
    d = open(path, "rb").read()
    pe = struct.unpack_from("<I", d, 0x3C)[0]
    nsec = struct.unpack_from("<H", d, pe + 6)[0]
    opt_size = struct.unpack_from("<H", d, pe + 20)[0]
    opt = pe + 24
    magic = struct.unpack_from("<H", d, opt)[0]
    cks = opt + 64
    dd = opt + (112 if magic == 0x20B else 96)
    sec_dd = dd + 4 * 8  # data directory 4: certificate table
    size_of_headers = struct.unpack_from("<I", d, opt + 60)[0]
    h = hashlib.sha256()
    h.update(d[:cks])
    h.update(d[cks + 4:sec_dd])
    h.update(d[sec_dd + 8:size_of_headers])
    secs = []
    so = opt + opt_size
    for i in range(nsec):
        raw_size, raw_ptr = struct.unpack_from("<II", d, so + 40 * i + 16)
        if raw_size:
            secs.append((raw_ptr, raw_size))
    done = size_of_headers
    for ptr, sz in sorted(secs):
        h.update(d[ptr:ptr + sz])
        done = max(done, ptr + sz)
    cert_off, cert_size = struct.unpack_from("<II", d, sec_dd)
    end = len(d) - cert_size if cert_size else len(d)
    if end > done:
        h.update(d[done:end])
    return h.hexdigest()


def sections(path):
    d = open(path, "rb").read()
    pe = struct.unpack_from("<I", d, 0x3C)[0]
    nsec = struct.unpack_from("<H", d, pe + 6)[0]
    opt_size = struct.unpack_from("<H", d, pe + 20)[0]
    so = pe + 24 + opt_size
    out = {}
    for i in range(nsec):
        name = d[so + 40 * i:so + 40 * i + 8].rstrip(b"\0").decode()
        vsize, vaddr, raw_size, raw_ptr = struct.unpack_from("<IIII", d, so + 40 * i + 8)
        out[name] = dict(vsize=vsize, vaddr=vaddr, raw_size=raw_size, raw_ptr=raw_ptr,
                         virt=d[raw_ptr:raw_ptr + min(vsize, raw_size)] + b"\0" * max(0, vsize - raw_size),
                         raw=d[raw_ptr:raw_ptr + raw_size])
    return out


def sha(b):
    return hashlib.sha256(b).hexdigest()


def known_digests(build, cmdlines):
    k = {}
    for f in ("uki.efi", "evil.efi", "vmlinuz", "ipxe.efi"):
        p = os.path.join(build, f)
        if os.path.exists(p):
            k[authenticode_sha256(p)] = "Authenticode(%s)" % f
            k[sha(open(p, "rb").read())] = "sha256(file %s)" % f
    for f in ("uki.efi", "evil.efi"):
        for name, s in sections(os.path.join(build, f)).items():
            tag = "%s %s" % (f, name)
            k.setdefault(sha(s["virt"]), "sha256(%s, VirtualSize=%d bytes)" % (tag, s["vsize"]))
            k.setdefault(sha(s["raw"]), "sha256(%s, SizeOfRawData=%d bytes)" % (tag, s["raw_size"]))
            for enc, b in (("utf8+NUL", name.encode() + b"\0"), ("utf8", name.encode()),
                           ("utf16le+NUL", (name + "\0").encode("utf-16-le")), ("utf16le", name.encode("utf-16-le"))):
                k.setdefault(sha(b), "sha256(section name %r %s)" % (name, enc))
    for f in ("initrd-real.img", "initrd-evil.img", "cmdline", "osrel"):
        p = os.path.join(build, f)
        if os.path.exists(p):
            k.setdefault(sha(open(p, "rb").read()), "sha256(file %s)" % f)
    for c in cmdlines:
        for enc, b in (("utf16le+NUL", (c + "\0").encode("utf-16-le")), ("utf16le", c.encode("utf-16-le")),
                       ("ascii", c.encode()), ("ascii+NUL", c.encode() + b"\0")):
            k.setdefault(sha(b), "sha256(cmdline %r as %s)" % (c, enc))
    return k


def replay(events, bank=0x000B, size=32):
    pcrs = {}
    for ev in events[1:]:
        if ev["type"] == 0x3:
            if ev["data"].startswith(b"StartupLocality\0") and ev["pcr"] == 0:
                pcrs[0] = b"\0" * (size - 1) + bytes([ev["data"][16]])
            continue
        if bank not in ev["digests"]:
            continue
        p = ev["pcr"]
        pcrs[p] = hashlib.new(ALG[bank][0], pcrs.get(p, b"\0" * size) + ev["digests"][bank]).digest()
    return pcrs


def ext(v, d):
    return hashlib.sha256(v + d).digest()


def predict(build, case, loaded_name, cmdline):
    """PCRs 4, 9, 11, 12 computed from the files alone (no event log), for OVMF + iPXE + this
    UKI (systemd-stub 252, Linux 6.1): what a verifier could expect before the boot."""
    z = b"\0" * 32
    uki = os.path.join(build, loaded_name)
    ac = lambda f: bytes.fromhex(authenticode_sha256(os.path.join(build, f)))
    p4 = ext(z, hashlib.sha256(b"Calling EFI Application from Boot Option").digest())
    p4 = ext(p4, hashlib.sha256(b"\0\0\0\0").digest())
    if case == "ipxeefi":
        p4 = ext(p4, ac("ipxe.efi"))            # OVMF's PXE boot option loads ipxe.efi
    if case == "attack":
        p4 = ext(p4, ac("uki.efi"))             # iPXE's probe LoadImage of the imgfetch'ed image
    p4 = ext(ext(p4, ac(loaded_name)), ac(loaded_name))  # iPXE: probe LoadImage, then the real one
    p4 = ext(p4, ac("vmlinuz"))                 # systemd-stub 252 LoadImage()s the .linux section
    secs = sections(uki)
    p11 = z
    for name in (".linux", ".osrel", ".cmdline", ".initrd", ".splash", ".dtb"):
        if name in secs:
            p11 = ext(p11, hashlib.sha256(name.encode() + b"\0").digest())
            p11 = ext(p11, hashlib.sha256(secs[name]["virt"]).digest())
    c = hashlib.sha256((cmdline + "\0").encode("utf-16-le")).digest()
    p12 = ext(z, c)
    p9 = ext(ext(z, c), hashlib.sha256(secs[".initrd"]["virt"]).digest())
    return {4: p4.hex(), 9: p9.hex(), 11: p11.hex(), 12: p12.hex()}


def main():
    build, work, cases = sys.argv[1], sys.argv[2], sys.argv[3:]
    all_pcrs = {}
    for case in cases:
        r = os.path.join(work, case)
        print("=" * 100)
        print("case %s" % case)
        serial = open(os.path.join(r, "serial.log"), "rb").read().decode("latin-1").replace("\r", "")
        m = re.search(r"LHP-CMDLINE (.*)", serial)
        guest_cmdline = m.group(1).strip() if m else None
        print("guest /proc/cmdline: %r" % guest_cmdline)
        for name, hx in re.findall(r"LHP-EFIVAR (\S+) ([0-9a-f]*)", serial):
            v = bytes.fromhex(hx)[4:]  # efivarfs: 4 bytes of attributes, then the data
            txt = v.decode("utf-16-le", "replace").rstrip("\0") if len(v) % 2 == 0 else None
            print("  EFI variable %s = %s" % (name.split("-")[0], repr(txt) if txt and txt.isprintable() else v.hex()))
        chain = re.search(r"chain (\S+) (.*)", open(os.path.join(r, "tftp", "boot.ipxe")).read()) \
            if os.path.exists(os.path.join(r, "tftp", "boot.ipxe")) else None
        cands = []
        if chain:
            url, args = chain.group(1), chain.group(2).strip()
            base = url.rsplit("/", 1)[-1]
            cands += [args, base + " " + args, url + " " + args]
        if guest_cmdline:
            cands.append(guest_cmdline)
        cands.append(open(os.path.join(build, "cmdline")).read())
        known = known_digests(build, cands)
        rep = {}
        read = {}
        pf = os.path.join(r, "pcrs.txt")
        if os.path.exists(pf):
            for line in open(pf):
                p = line.split()
                if len(p) == 2:
                    read[int(p[0])] = p[1].lower()
        logf = os.path.join(r, "eventlog.bin")
        if not os.path.exists(logf) or os.path.getsize(logf) == 0:
            print("no event log")
            continue
        sizes, events = parse(open(logf, "rb").read())
        rep = replay(events)
        print("event log: %d bytes, %d events, banks %s" % (os.path.getsize(logf), len(events) - 1,
                                                              ",".join(ALG[a][0] for a in sizes)))
        for i, ev in enumerate(events[1:], 1):
            if ev["pcr"] > 15:
                continue
            dg = ev["digests"].get(0x000B, b"").hex()
            print("#%-3d PCR %-2d %-34s sha256 %s" % (i, ev["pcr"], EVT.get(ev["type"], hex(ev["type"])), dg))
            print("       data: %s" % describe(ev)[:300])
            if dg in known:
                print("       == %s" % known[dg])
        all_pcrs[case] = read
        ima = re.findall(r"LHP-IMA ascii_runtime_measurements (\d+) ([0-9a-f]+) (\S+) (\S+) (\S+)", serial)
        if ima and all(k in read for k in range(10)):
            agg = sha(b"".join(bytes.fromhex(read[k]) for k in range(10)))
            p10 = b"\0" * 32
            for pcr, th, tmpl, fd, name in ima:
                print("IMA (kernel, not in the firmware log): PCR %s template %s %s %s, sha1 template hash %s"
                      % (pcr, tmpl, fd, name, th))
                alg, dg = fd.split(":")
                td = alg.encode() + b":\0" + bytes.fromhex(dg)
                nm = name.encode() + b"\0"
                tdata = struct.pack("<I", len(td)) + td + struct.pack("<I", len(nm)) + nm
                if tmpl == "ima-sig":
                    tdata += struct.pack("<I", 0)  # empty signature field
                if name == "boot_aggregate":
                    print("  boot_aggregate == sha256(PCR0 || ... || PCR9, sha256 bank as read): %s" % (fd == "sha256:" + agg))
                print("  sha1(template data) == listed template hash: %s" % (hashlib.sha1(tdata).hexdigest() == th))
                if pcr == "10":
                    p10 = hashlib.sha256(p10 + hashlib.sha256(tdata).digest()).digest()
            rep[10] = p10
            print("  PCR 10 (sha256 bank) replayed as extend(sha256(template data)) for each IMA entry")
        if chain and case in ("uki", "attack", "ipxeefi"):
            name = chain.group(1).rsplit("/", 1)[-1]
            pred = predict(build, case, name, name + " " + chain.group(2).strip())
            print("predicted from the files alone (no log) vs read:")
            for k, v in pred.items():
                print("  PCR %-2d predicted %s %s" % (k, v, "== read" if read.get(k) == v else "!= read %s" % read.get(k)))
        elif case == "nocmd":
            pred = predict(build, "uki", "uki.efi", "uki.efi")
            print("predicted (command line = just the image name 'uki.efi') vs read:")
            for k, v in pred.items():
                print("  PCR %-2d predicted %s %s" % (k, v, "== read" if read.get(k) == v else "!= read %s" % read.get(k)))
        print("replay (sha256) vs PCRs read in the guest:")
        for p in sorted(set(rep) | set(k for k in read if k < 16)):
            a = rep.get(p, b"\0" * 32).hex()
            b = read.get(p)
            print("  PCR %-2d replay %s read %s %s" % (p, a, b, "OK" if a == b else "DIFFERENT"))
    if len(all_pcrs) > 1:
        names = list(all_pcrs)
        print("=" * 100)
        print("PCRs that differ between cases %s:" % ", ".join(names))
        for p in range(24):
            vals = [all_pcrs[n].get(p) for n in names]
            if len(set(vals)) > 1:
                print("  PCR %-2d " % p + "  ".join("%s=%s" % (n, (v or "-")[:16]) for n, v in zip(names, vals)))
    print("=" * 100)
    for f in ("uki.efi", "evil.efi", "vmlinuz", "ipxe.efi"):
        p = os.path.join(build, f)
        if not os.path.exists(p):
            continue
        try:
            ps = subprocess.run(["pesign", "-h", "-i", p], capture_output=True, text=True).stdout.split()[-1]
        except (OSError, IndexError):
            ps = "(pesign not available)"
        print("Authenticode SHA-256 %-9s own code %s, pesign -h %s" % (f, authenticode_sha256(p), ps))
    for f in ("uki.efi",):
        for name, s in sections(os.path.join(build, f)).items():
            print("  %s %-9s VirtualSize %8d SizeOfRawData %8d sha256(virt) %s" % (f, name, s["vsize"], s["raw_size"],
                                                                                   sha(s["virt"])))


if __name__ == "__main__":
    main()
