package dev.gitwire.pq;

import dev.gitwire.keys.PresharedKey;
import dev.gitwire.keys.PublicKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.SecretWithEncapsulation;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.generators.MLKEMKeyPairGenerator;
import org.bouncycastle.crypto.kems.MLKEMExtractor;
import org.bouncycastle.crypto.kems.MLKEMGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.MLKEMKeyGenerationParameters;
import org.bouncycastle.crypto.params.MLKEMPrivateKeyParameters;
import org.bouncycastle.crypto.params.MLKEMPublicKeyParameters;

/**
 * One post-quantum key exchange between two peers (issue 31, docs/architecture.md "Post-quantum pre-shared keys"),
 * Rosenpass's shape with ML-KEM-768 for the static and the ephemeral keys. The initiator I sends {@code InitHello}
 * (a fresh ephemeral public key, and an encapsulation to R's static key); the responder R answers {@code RespHello}
 * (encapsulations to the ephemeral key and to I's static key); I proves it could open R's with {@code InitConf}, a
 * MAC over the transcript, and R proves it could open I's with {@code Done}. Both derive the pre-shared key with
 * HKDF-SHA-256 from the three shared secrets, salted with the transcript's hash, which binds both nodes' WireGuard
 * and ML-KEM public keys and the epoch: a message of another exchange, pair or epoch never verifies.
 *
 * <p>Pure: messages in, messages out, no I/O and no clock; the transport and the renewal schedule are elsewhere.
 * Every message is checked for its exact size and header before anything is computed from it; every failure is an
 * {@link ExchangeFailedException} that quotes nothing of the message. The ephemeral private key lives in the
 * {@link Initiator} only, so nothing recorded reveals a past key once it is gone (forward secrecy).
 */
public final class PskExchange {

    /** One end of the pair: its WireGuard public key (which names it) and its static ML-KEM public key. */
    public record Party(PublicKey wireguard, PqPublicKey pq) {}

    /** What an exchange agreed: the pair's key for {@code epoch}. */
    public record Agreed(long epoch, PresharedKey presharedKey) {}

    /** What the responder sends last, and what it agreed, installed when {@code Done} leaves. */
    public record Confirmed(Agreed agreed, byte[] done) {}

    /** The TCP port the responder answers on, between the two nodes' addresses. */
    public static final int PORT = 51822;
    static final int HEADER = 4 + 1 + 1 + 8; // magic, version, type, epoch
    private static final byte[] MAGIC = {'G', 'W', 'P', 'Q'};
    private static final byte VERSION = 1;
    private static final int CIPHERTEXT = 1088;
    private static final int MAC = 32;
    static final int INIT_HELLO = HEADER + PqPublicKey.LENGTH + CIPHERTEXT;
    static final int RESP_HELLO = HEADER + 2 * CIPHERTEXT;
    static final int INIT_CONF = HEADER + MAC;
    static final int DONE = HEADER + MAC;
    /** The largest message: what a reader must accept, and no more. */
    public static final int MAX_MESSAGE = Math.max(INIT_HELLO, RESP_HELLO);

    enum Type {
        INIT_HELLO(1, PskExchange.INIT_HELLO), RESP_HELLO(2, PskExchange.RESP_HELLO),
        INIT_CONF(3, PskExchange.INIT_CONF), DONE(4, PskExchange.DONE);

        final byte code;
        final int length;

        Type(int code, int length) {
            this.code = (byte) code;
            this.length = length;
        }
    }

    private PskExchange() {}

    /** I's side of an exchange for {@code epoch} with {@code responder}. */
    public static Initiator initiate(PqKeyPair own, Party self, Party responder, long epoch, SecureRandom random) {
        return new Initiator(own, self, responder, epoch, random);
    }

    /** R's side of an exchange that {@code initiator} starts. */
    public static Responder respond(PqKeyPair own, Party self, Party initiator, SecureRandom random) {
        return new Responder(own, self, initiator, random);
    }

    /** The initiator: {@link #initHello()}, then {@link #onRespHello}, then {@link #onDone}, each once. */
    public static final class Initiator {
        private final PqKeyPair own;
        private final Party self;
        private final Party responder;
        private final long epoch;
        private final MLKEMPrivateKeyParameters ephemeral;
        private final byte[] initHello;
        private final byte[] responderSecret;
        private Keys keys;

        private Initiator(PqKeyPair own, Party self, Party responder, long epoch, SecureRandom random) {
            this.own = own;
            this.self = self;
            this.responder = responder;
            this.epoch = epoch;
            MLKEMKeyPairGenerator generator = new MLKEMKeyPairGenerator();
            generator.init(new MLKEMKeyGenerationParameters(random, PqKeyPair.PARAMETERS));
            AsymmetricCipherKeyPair pair = generator.generateKeyPair();
            this.ephemeral = (MLKEMPrivateKeyParameters) pair.getPrivate();
            SecretWithEncapsulation toResponder = new MLKEMGenerator(random).generateEncapsulated(
                    responder.pq().parameters());
            this.responderSecret = toResponder.getSecret();
            this.initHello = message(Type.INIT_HELLO, epoch,
                    ((MLKEMPublicKeyParameters) pair.getPublic()).getEncoded(), toResponder.getEncapsulation());
        }

        public long epoch() {
            return epoch;
        }

        public byte[] initHello() {
            return initHello.clone();
        }

        /** Opens R's encapsulations; the {@code InitConf} to send. */
        public byte[] onRespHello(byte[] respHello) throws ExchangeFailedException {
            if (keys != null) {
                throw new ExchangeFailedException("a second RespHello in one exchange");
            }
            ByteBuffer body = check(respHello, Type.RESP_HELLO, epoch);
            byte[] ephemeralSecret = new MLKEMExtractor(ephemeral).extractSecret(take(body, CIPHERTEXT));
            byte[] initiatorSecret = new MLKEMExtractor(own.privateKey()).extractSecret(take(body, CIPHERTEXT));
            keys = Keys.derive(transcript(self, responder, initHello, respHello), responderSecret, initiatorSecret,
                    ephemeralSecret);
            return message(Type.INIT_CONF, epoch, keys.mac(keys.initiatorMac(), Type.INIT_CONF));
        }

        /** R's confirmation: the key agreed, to install now. */
        public Agreed onDone(byte[] done) throws ExchangeFailedException {
            if (keys == null) {
                throw new ExchangeFailedException("Done before RespHello");
            }
            ByteBuffer body = check(done, Type.DONE, epoch);
            if (!MessageDigest.isEqual(take(body, MAC), keys.mac(keys.responderMac(), Type.DONE))) {
                throw new ExchangeFailedException("Done does not verify: the responder is not who its keys say");
            }
            return new Agreed(epoch, keys.presharedKey());
        }
    }

    /** The responder: {@link #onInitHello}, then {@link #onInitConf}, each once. */
    public static final class Responder {
        private final PqKeyPair own;
        private final Party self;
        private final Party initiator;
        private final SecureRandom random;
        private long epoch;
        private Keys keys;

        private Responder(PqKeyPair own, Party self, Party initiator, SecureRandom random) {
            this.own = own;
            this.self = self;
            this.initiator = initiator;
            this.random = random;
        }

        /** Opens I's encapsulation, encapsulates to I's ephemeral and static keys; the {@code RespHello} to send. */
        public byte[] onInitHello(byte[] initHello) throws ExchangeFailedException {
            if (keys != null) {
                throw new ExchangeFailedException("a second InitHello in one exchange");
            }
            epoch = epochOf(initHello);
            ByteBuffer body = check(initHello, Type.INIT_HELLO, epoch);
            MLKEMPublicKeyParameters ephemeral;
            try {
                ephemeral = new MLKEMPublicKeyParameters(PqKeyPair.PARAMETERS, take(body, PqPublicKey.LENGTH));
            } catch (IllegalArgumentException e) {
                throw new ExchangeFailedException("InitHello's ephemeral key is not an ML-KEM-768 key");
            }
            byte[] responderSecret = new MLKEMExtractor(own.privateKey()).extractSecret(take(body, CIPHERTEXT));
            MLKEMGenerator generator = new MLKEMGenerator(random);
            SecretWithEncapsulation toEphemeral = generator.generateEncapsulated(ephemeral);
            SecretWithEncapsulation toInitiator = generator.generateEncapsulated(initiator.pq().parameters());
            byte[] respHello = message(Type.RESP_HELLO, epoch, toEphemeral.getEncapsulation(),
                    toInitiator.getEncapsulation());
            keys = Keys.derive(transcript(initiator, self, initHello, respHello), responderSecret,
                    toInitiator.getSecret(), toEphemeral.getSecret());
            return respHello;
        }

        /** I's confirmation: the key agreed, and the {@code Done} to send. */
        public Confirmed onInitConf(byte[] initConf) throws ExchangeFailedException {
            if (keys == null) {
                throw new ExchangeFailedException("InitConf before InitHello");
            }
            ByteBuffer body = check(initConf, Type.INIT_CONF, epoch);
            if (!MessageDigest.isEqual(take(body, MAC), keys.mac(keys.initiatorMac(), Type.INIT_CONF))) {
                throw new ExchangeFailedException("InitConf does not verify: the initiator is not who its keys say");
            }
            return new Confirmed(new Agreed(epoch, keys.presharedKey()),
                    message(Type.DONE, epoch, keys.mac(keys.responderMac(), Type.DONE)));
        }
    }

    /** The pre-shared key and the two MAC keys of one exchange. */
    private record Keys(byte[] transcriptHash, byte[] material) {

        static Keys derive(byte[] transcriptHash, byte[]... secrets) {
            byte[] ikm = new byte[secrets.length * 32];
            for (int i = 0; i < secrets.length; i++) {
                System.arraycopy(secrets[i], 0, ikm, i * 32, 32);
            }
            HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
            hkdf.init(new HKDFParameters(ikm, transcriptHash, "gitwire wireguard psk v1".getBytes(StandardCharsets.US_ASCII)));
            byte[] material = new byte[96];
            hkdf.generateBytes(material, 0, material.length);
            Arrays.fill(ikm, (byte) 0);
            return new Keys(transcriptHash, material);
        }

        PresharedKey presharedKey() {
            return PresharedKey.of(Arrays.copyOfRange(material, 0, 32));
        }

        byte[] initiatorMac() {
            return Arrays.copyOfRange(material, 32, 64);
        }

        byte[] responderMac() {
            return Arrays.copyOfRange(material, 64, 96);
        }

        byte[] mac(byte[] key, Type type) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
                mac.update(type.code);
                return mac.doFinal(transcriptHash);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("every JDK has HmacSHA256", e);
            }
        }
    }

    /** SHA-256 over a label, both parties' keys in their roles, and the two hellos. */
    private static byte[] transcript(Party initiator, Party responder, byte[] initHello, byte[] respHello) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("gitwire pq exchange v1".getBytes(StandardCharsets.US_ASCII));
            sha.update(initiator.wireguard().raw());
            sha.update(responder.wireguard().raw());
            sha.update(initiator.pq().raw());
            sha.update(responder.pq().raw());
            sha.update(initHello);
            sha.update(respHello);
            return sha.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static byte[] message(Type type, long epoch, byte[]... parts) {
        ByteBuffer out = ByteBuffer.allocate(type.length).put(MAGIC).put(VERSION).put(type.code).putLong(epoch);
        for (byte[] part : parts) {
            out.put(part);
        }
        if (out.hasRemaining()) {
            throw new IllegalStateException(type + " is " + type.length + " bytes, " + out.remaining() + " unfilled");
        }
        return out.array();
    }

    private static long epochOf(byte[] message) throws ExchangeFailedException {
        if (message.length < HEADER) {
            throw new ExchangeFailedException("a message shorter than its header");
        }
        return ByteBuffer.wrap(message).getLong(6);
    }

    /** The body after a header of {@code type} and {@code epoch}, the message exactly its size. */
    private static ByteBuffer check(byte[] message, Type type, long epoch) throws ExchangeFailedException {
        if (message.length != type.length) {
            throw new ExchangeFailedException(type + " must have " + type.length + " bytes, not " + message.length);
        }
        ByteBuffer in = ByteBuffer.wrap(message);
        byte[] magic = new byte[MAGIC.length];
        in.get(magic);
        if (!Arrays.equals(magic, MAGIC) || in.get() != VERSION) {
            throw new ExchangeFailedException("not a gitwire post-quantum exchange of version " + VERSION);
        }
        if (in.get() != type.code) {
            throw new ExchangeFailedException("expected " + type);
        }
        if (in.getLong() != epoch) {
            throw new ExchangeFailedException(type + " of another epoch");
        }
        return in;
    }

    private static byte[] take(ByteBuffer in, int length) {
        byte[] part = new byte[length];
        in.get(part);
        return part;
    }
}
