package dev.gitwire.dataplane.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The attributes of a message or of a nested attribute, in order; the last of a repeated type wins. */
public final class Attributes {

    /** One attribute: its type without the NESTED and BYTEORDER bits, and a view of its value. */
    public record Attribute(int type, ByteBuffer value) {
        public Attributes nested() {
            return parse(value, 0, value.limit());
        }

        public int u8() {
            return Byte.toUnsignedInt(value.get(0));
        }

        public int u16() {
            return Short.toUnsignedInt(value.getShort(0));
        }

        public long u32() {
            return Integer.toUnsignedLong(value.getInt(0));
        }

        public long u64() {
            return value.getLong(0);
        }

        public byte[] bytes() {
            byte[] bytes = new byte[value.remaining()];
            value.duplicate().get(bytes);
            return bytes;
        }

        /** A NUL-terminated string. */
        public String string() {
            byte[] bytes = bytes();
            int end = 0;
            while (end < bytes.length && bytes[end] != 0) {
                end++;
            }
            return new String(bytes, 0, end, StandardCharsets.UTF_8);
        }
    }

    private final List<Attribute> list;

    private Attributes(List<Attribute> list) {
        this.list = list;
    }

    public static Attributes parse(ByteBuffer buffer, int from, int to) {
        List<Attribute> list = new ArrayList<>();
        ByteBuffer view = buffer.duplicate(); // slices of one view: the caller's position and limit stay as they were
        int offset = from;
        while (offset + Netlink.ATTRIBUTE_HEADER_LENGTH <= to) {
            int length = Short.toUnsignedInt(buffer.getShort(offset));
            int type = Short.toUnsignedInt(buffer.getShort(offset + 2)) & Netlink.NLA_TYPE_MASK;
            if (length < Netlink.ATTRIBUTE_HEADER_LENGTH || offset + length > to) {
                throw new IllegalArgumentException("malformed netlink attribute at offset " + offset);
            }
            ByteBuffer value = view.slice(offset + Netlink.ATTRIBUTE_HEADER_LENGTH,
                    length - Netlink.ATTRIBUTE_HEADER_LENGTH).order(ByteOrder.nativeOrder());
            list.add(new Attribute(type, value));
            offset += Netlink.align(length);
        }
        return new Attributes(list);
    }

    public List<Attribute> all() {
        return list;
    }

    public Attribute get(int type) {
        Attribute found = null;
        for (Attribute a : list) {
            if (a.type() == type) {
                found = a;
            }
        }
        return found;
    }

    public boolean has(int type) {
        return get(type) != null;
    }

    public String string(int type) {
        Attribute a = get(type);
        return a == null ? null : a.string();
    }

    public long u32(int type, long fallback) {
        Attribute a = get(type);
        return a == null ? fallback : a.u32();
    }
}
