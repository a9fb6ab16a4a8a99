import struct,sys
def pkt(mac, xid, flags, opts, pad_to=0):
    h = struct.pack('!BBBBIHH', 1, 1, 6, 0, xid, 0, flags) + b'\0'*16
    h += bytes.fromhex(mac.replace(':','')) + b'\0'*10 + b'\0'*64 + b'\0'*128 + bytes.fromhex('63825363')
    for c, v in opts:
        h += bytes([c, len(v)]) + v
    h += b'\xff'
    if len(h) < pad_to: h += b'\0'*(pad_to-len(h))
    return h
guid = bytes.fromhex('00') + bytes.fromhex('5c2a1e3b6d8f4e21a3b4c5d6e7f80910')
# iPXE 1.21 BIOS (undionly) DISCOVER, layout of ipxe src/net/udp/dhcp.c dhcp_create_request + dhcp_request_settings
ipxe = pkt('52:54:00:77:00:20', 0x2a8c1d07, 0x8000, [
  (53, b'\x01'), (57, struct.pack('!H', 1472)), (93, b'\x00\x00'), (94, b'\x01\x02\x01'),
  (60, b'PXEClient:Arch:00000:UNDI:002001'), (77, b'iPXE'),
  (55, bytes([1,3,6,7,12,15,17,26,43,60,66,67,119,128,129,130,131,132,133,134,135,175,203])),
  (175, bytes.fromhex('b10501800021 0113 0101 1101 01 2701 01 1901 01 2901 01 1001 02 2101 01 1501 01 1801 01 1201 01'.replace(' ',''))),
  (61, bytes.fromhex('01525400770020')), (97, guid)])
open(sys.argv[1]+'/ipxe-bios-discover.bin','wb').write(ipxe)
# OVMF (EDK2 NetworkPkg UefiPxeBcDxe) x86-64 UEFI PXE DISCOVER, option order of PxeBcBuildDhcp4Options
ovmf = pkt('52:54:00:77:00:21', 0x6e1b0ac2, 0x8000, [
  (53, b'\x01'), (57, struct.pack('!H', 1472)),
  (55, bytes([1,2,3,4,5,6,12,13,15,17,18,22,23,28,40,41,42,43,50,51,54,58,59,60,66,67,97,128,129,130,131,132,133,134,135])),
  (97, bytes.fromhex('00') + bytes.fromhex('a1b2c3d4e5f60718293a4b5c6d7e8f90')),
  (94, b'\x01\x03\x00'), (93, b'\x00\x07'), (60, b'PXEClient:Arch:00007:UNDI:003000')])
open(sys.argv[1]+'/ovmf-uefi-pxe-discover.bin','wb').write(ovmf)
