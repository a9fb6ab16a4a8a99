package org.leo.image.appliance;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes a flattened device tree blob (the Devicetree Specification 0.4, chapter 5: version 17,
 * an empty memory reservation block, the structure block, the strings block), as {@code dtc -I dts
 * -O dtb} lays it out: properties before child nodes in the order given, property names in the
 * strings block in order of first use, a name that is the tail of one already there reusing it.
 * {@code FlattenedDeviceTreeTest} compares the bytes with dtc's for the same source. Used for the
 * appliance's own overlay ({@link TpmOverlay}); the Pi's firmware applies it at boot.
 */
public final class FlattenedDeviceTree {
    static final int MAGIC = 0xd00dfeed;
    static final int BEGIN_NODE = 1;
    static final int END_NODE = 2;
    static final int PROP = 3;
    static final int END = 9;

    /** A node: its name (empty for the root), its properties and its children, in order. */
    public record Node(String name, List<Property> properties, List<Node> children) {
        public Node {
            properties = List.copyOf(properties);
            children = List.copyOf(children);
        }
    }

    /** A property and its value's bytes. */
    public record Property(String name, byte[] value) {
        /** A string property ({@code name = "value";}): the string and its NUL. */
        public static Property string(String name, String value) {
            byte[] s = value.getBytes(StandardCharsets.US_ASCII);
            return new Property(name, java.util.Arrays.copyOf(s, s.length + 1));
        }

        /** A cell list ({@code name = <a b>;}): 32-bit big-endian values. */
        public static Property cells(String name, int... values) {
            ByteBuffer b = ByteBuffer.allocate(4 * values.length);
            for (int v : values) {
                b.putInt(v);
            }
            return new Property(name, b.array());
        }
    }

    private FlattenedDeviceTree() {
    }

    /** The blob of the tree under {@code root}. */
    public static byte[] write(Node root) {
        ByteArrayOutputStream structure = new ByteArrayOutputStream();
        StringBuilder strings = new StringBuilder();
        node(root, structure, strings);
        word(structure, END);
        byte[] struct = structure.toByteArray();
        byte[] str = strings.toString().getBytes(StandardCharsets.US_ASCII);
        int header = 40;
        int memRsv = header; // 8-byte aligned already
        int offStruct = memRsv + 16;
        int offStrings = offStruct + struct.length;
        int total = offStrings + str.length;
        ByteBuffer b = ByteBuffer.allocate(total);
        b.putInt(MAGIC).putInt(total).putInt(offStruct).putInt(offStrings).putInt(memRsv).putInt(17).putInt(16).putInt(0)
                .putInt(str.length).putInt(struct.length);
        b.put(new byte[16]);
        b.put(struct);
        b.put(str);
        return b.array();
    }

    private static void node(Node n, ByteArrayOutputStream out, StringBuilder strings) {
        word(out, BEGIN_NODE);
        byte[] name = n.name().getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(name);
        out.write(0);
        pad(out);
        for (Property p : n.properties()) {
            word(out, PROP);
            word(out, p.value().length);
            word(out, stringOffset(strings, p.name()));
            out.writeBytes(p.value());
            pad(out);
        }
        for (Node c : n.children()) {
            node(c, out, strings);
        }
        word(out, END_NODE);
    }

    /** dtc's stringtable_insert: the first offset where {@code name} and its NUL already stand, else appended. */
    static int stringOffset(StringBuilder strings, String name) {
        String needle = name + "\0";
        int at = strings.indexOf(needle);
        if (at >= 0) {
            return at;
        }
        at = strings.length();
        strings.append(needle);
        return at;
    }

    private static void word(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    private static void pad(ByteArrayOutputStream out) {
        while (out.size() % 4 != 0) {
            out.write(0);
        }
    }
}
