package org.leo.image.appliance;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A small 64-bit little-endian ELF file made for the tests: an ELF header, one program header
 * ({@code PT_INTERP}), and the sections {@code .interp}, {@code .dynstr}, {@code .dynamic} (its
 * {@code DT_NEEDED} and {@code DT_SONAME} entries), {@code .modinfo} and {@code .shstrtab}. Fields
 * are public so a test can break one.
 */
final class TinyElf {
    String interpreter = "/lib/ld-linux-aarch64.so.1";
    List<String> needed = new ArrayList<>(List.of("libc.so.6", "libdevmapper.so.1.02.1"));
    String soname = null;
    String runpath = null;
    String modinfo = "license=GPL\0depends=dm-mod,dm-bufio\0alias=of:N*T*Cdm\0name=dm_verity\0";

    /** Offsets of the tables in {@link #bytes()}, for tests that break them. */
    static final int PHOFF = 64;
    static final int SHOFF_FIELD = 40;

    byte[] bytes() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        // after the ELF header (64) and one program header (56)
        int base = 64 + 56;
        byte[] interp = z(interpreter);
        int interpOff = base;
        body.writeBytes(interp);
        StringBuilder dynstr = new StringBuilder("\0");
        List<long[]> dyn = new ArrayList<>();
        for (String n : needed) {
            dyn.add(new long[] {ElfFile.DT_NEEDED, dynstr.length()});
            dynstr.append(n).append('\0');
        }
        if (soname != null) {
            dyn.add(new long[] {ElfFile.DT_SONAME, dynstr.length()});
            dynstr.append(soname).append('\0');
        }
        if (runpath != null) {
            dyn.add(new long[] {ElfFile.DT_RUNPATH, dynstr.length()});
            dynstr.append(runpath).append('\0');
        }
        dyn.add(new long[] {ElfFile.DT_NULL, 0});
        byte[] dynstrBytes = dynstr.toString().getBytes(StandardCharsets.UTF_8);
        int dynstrOff = interpOff + interp.length;
        body.writeBytes(dynstrBytes);
        pad8(body, base);
        int dynOff = base + body.size();
        ByteBuffer d = ByteBuffer.allocate(16 * dyn.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (long[] e : dyn) {
            d.putLong(e[0]).putLong(e[1]);
        }
        body.writeBytes(d.array());
        byte[] mod = modinfo.getBytes(StandardCharsets.UTF_8);
        int modOff = base + body.size();
        body.writeBytes(mod);
        String[] names = {"", ".interp", ".dynstr", ".dynamic", ".modinfo", ".shstrtab"};
        StringBuilder shstr = new StringBuilder();
        int[] nameOff = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            nameOff[i] = shstr.length();
            shstr.append(names[i]).append('\0');
        }
        byte[] shstrBytes = shstr.toString().getBytes(StandardCharsets.US_ASCII);
        int shstrOff = base + body.size();
        body.writeBytes(shstrBytes);
        pad8(body, base);
        int shoff = base + body.size();
        ByteBuffer sh = ByteBuffer.allocate(64 * names.length).order(ByteOrder.LITTLE_ENDIAN);
        long[][] s = { // type, offset, size, link
            {0, 0, 0, 0}, {1, interpOff, interp.length, 0}, {3, dynstrOff, dynstrBytes.length, 0}, {ElfFile.SHT_DYNAMIC, dynOff, 16L * dyn.size(), 2},
            {1, modOff, mod.length, 0}, {3, shstrOff, shstrBytes.length, 0}};
        for (int i = 0; i < names.length; i++) {
            int h = 64 * i;
            sh.putInt(h, nameOff[i]).putInt(h + 4, (int) s[i][0]).putLong(h + 24, s[i][1]).putLong(h + 32, s[i][2]).putInt(h + 40, (int) s[i][3]);
        }
        ByteBuffer head = ByteBuffer.allocate(base).order(ByteOrder.LITTLE_ENDIAN);
        head.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        head.putShort(16, (short) 3).putShort(18, (short) 183).putInt(20, 1).putLong(32, PHOFF).putLong(SHOFF_FIELD, shoff)
                .putShort(52, (short) 64).putShort(54, (short) 56).putShort(56, (short) 1).putShort(58, (short) 64)
                .putShort(60, (short) names.length).putShort(62, (short) (names.length - 1));
        head.putInt(PHOFF, ElfFile.PT_INTERP).putLong(PHOFF + 8, interpOff).putLong(PHOFF + 32, interp.length);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(head.array());
        all.writeBytes(body.toByteArray());
        all.writeBytes(sh.array());
        return all.toByteArray();
    }

    private static byte[] z(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return java.util.Arrays.copyOf(b, b.length + 1);
    }

    private static void pad8(ByteArrayOutputStream out, int base) {
        while ((base + out.size()) % 8 != 0) {
            out.write(0);
        }
    }
}
