package dev.gitwire.dataplane.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * Writes a request's payload: a family header, then attributes, nested ones included, each padded to
 * 4 bytes as netlink requires. Integers are in host order, except where a caller writes bytes itself.
 */
public final class MessageWriter {

    private ByteBuffer buffer = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());
    private final Deque<Integer> openNests = new ArrayDeque<>();

    public MessageWriter u8(int value) {
        room(1).put((byte) value);
        return this;
    }

    public MessageWriter u16(int value) {
        room(2).putShort((short) value);
        return this;
    }

    public MessageWriter u32(long value) {
        room(4).putInt((int) value);
        return this;
    }

    public MessageWriter bytes(byte[] value) {
        room(value.length).put(value);
        return this;
    }

    /** Zero bytes up to the next 4-byte boundary. */
    public MessageWriter pad() {
        int padding = Netlink.align(buffer.position()) - buffer.position();
        room(padding);
        for (int i = 0; i < padding; i++) {
            buffer.put((byte) 0);
        }
        return this;
    }

    public MessageWriter attribute(int type, byte[] value) {
        attributeHeader(type, value.length).put(value);
        return pad();
    }

    public MessageWriter attributeU8(int type, int value) {
        return attribute(type, new byte[] {(byte) value});
    }

    public MessageWriter attributeU16(int type, int value) {
        attributeHeader(type, 2).putShort((short) value);
        return pad();
    }

    public MessageWriter attributeU32(int type, long value) {
        attributeHeader(type, 4).putInt((int) value);
        return pad();
    }

    public MessageWriter attributeU64(int type, long value) {
        attributeHeader(type, 8).putLong(value);
        return pad();
    }

    /** Pads, then writes an attribute's header and makes room for its value. */
    private ByteBuffer attributeHeader(int type, int valueLength) {
        pad();
        return room(Netlink.ATTRIBUTE_HEADER_LENGTH + valueLength)
                .putShort((short) (Netlink.ATTRIBUTE_HEADER_LENGTH + valueLength)).putShort((short) type);
    }

    /** A NUL-terminated string, as the kernel expects names. */
    public MessageWriter attributeString(int type, String value) {
        byte[] text = value.getBytes(StandardCharsets.UTF_8);
        return attribute(type, Arrays.copyOf(text, text.length + 1));
    }

    public MessageWriter beginNested(int type) {
        pad();
        openNests.push(buffer.position());
        room(Netlink.ATTRIBUTE_HEADER_LENGTH).putShort((short) 0).putShort((short) (type | Netlink.NLA_F_NESTED));
        return this;
    }

    public MessageWriter endNested() {
        int start = openNests.pop();
        buffer.putShort(start, (short) (buffer.position() - start));
        return pad();
    }

    public int length() {
        return buffer.position();
    }

    public byte[] toBytes() {
        if (!openNests.isEmpty()) {
            throw new IllegalStateException("unclosed nested attribute");
        }
        return Arrays.copyOf(buffer.array(), buffer.position());
    }

    private ByteBuffer room(int bytes) {
        if (buffer.remaining() < bytes) {
            ByteBuffer larger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + bytes))
                    .order(ByteOrder.nativeOrder());
            buffer.flip();
            larger.put(buffer);
            buffer = larger;
        }
        return buffer;
    }
}
