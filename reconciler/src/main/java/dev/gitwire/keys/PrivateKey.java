package dev.gitwire.keys;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * A WireGuard (X25519) private key. It is printed nowhere: {@link #toString()} hides it, and the only
 * ways out are {@link #base64()} for its 0600 file and {@link #raw()} for the device.
 */
public final class PrivateKey {

    private final byte[] raw;

    private PrivateKey(byte[] raw) {
        this.raw = raw.clone();
    }

    /** A new key, clamped as {@code wg genkey} clamps it. */
    public static PrivateKey generate(SecureRandom random) {
        byte[] raw = new byte[PublicKey.LENGTH];
        random.nextBytes(raw);
        raw[0] &= (byte) 248;
        raw[31] &= 127;
        raw[31] |= 64;
        return new PrivateKey(raw);
    }

    /** Reads the {@code wg genkey} form; the message never contains the text. */
    public static PrivateKey parse(String base64) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a private key is base64 of 32 bytes");
        }
        if (raw.length != PublicKey.LENGTH) {
            throw new IllegalArgumentException("a private key is base64 of 32 bytes, not " + raw.length);
        }
        return new PrivateKey(raw);
    }

    public static PrivateKey of(byte[] raw) {
        if (raw.length != PublicKey.LENGTH) {
            throw new IllegalArgumentException("a private key has 32 bytes, not " + raw.length);
        }
        return new PrivateKey(raw);
    }

    /** X25519 of the base point, as {@code wg pubkey} computes it (the scalar is clamped inside). */
    public PublicKey publicKey() {
        byte[] publicKey = new byte[PublicKey.LENGTH];
        X25519.scalarMultBase(raw, 0, publicKey, 0);
        return PublicKey.of(publicKey);
    }

    public String base64() {
        return Base64.getEncoder().encodeToString(raw);
    }

    public byte[] raw() {
        return raw.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PrivateKey key && MessageDigest.isEqual(raw, key.raw);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(publicKey().raw());
    }

    @Override
    public String toString() {
        return "PrivateKey(public " + publicKey().fingerprint() + "…)";
    }
}
