package dev.gitwire.keys;

import java.util.Arrays;
import java.util.Base64;

/** A WireGuard (X25519) public key, in the base64 form that {@code wg pubkey} prints. */
public record PublicKey(String base64) implements Comparable<PublicKey> {

    public static final int LENGTH = 32;

    public PublicKey {
        decode(base64);
    }

    /** Parses the base64 text of 32 bytes; throws {@link IllegalArgumentException} saying what is wrong. */
    public static PublicKey parse(String text) {
        return new PublicKey(text);
    }

    public static PublicKey of(byte[] raw) {
        if (raw.length != LENGTH) {
            throw new IllegalArgumentException("a WireGuard key has 32 bytes, not " + raw.length);
        }
        return new PublicKey(Base64.getEncoder().encodeToString(raw));
    }

    public byte[] raw() {
        return decode(base64);
    }

    public boolean isZero() {
        return Arrays.equals(raw(), new byte[LENGTH]);
    }

    /** A short, stable name for tables: the first 8 characters, as {@code wg show} users recognise keys. */
    public String fingerprint() {
        return base64.substring(0, 8);
    }

    @Override
    public int compareTo(PublicKey other) {
        return base64.compareTo(other.base64);
    }

    private static byte[] decode(String text) {
        if (text == null || text.length() != 44 || !text.endsWith("=")) {
            throw new IllegalArgumentException("a WireGuard key is 44 characters of base64 (32 bytes)");
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a WireGuard key is 44 characters of base64 (32 bytes)", e);
        }
        if (raw.length != LENGTH || !Base64.getEncoder().encodeToString(raw).equals(text)) {
            throw new IllegalArgumentException("a WireGuard key is 44 characters of canonical base64 (32 bytes)");
        }
        return raw;
    }
}
