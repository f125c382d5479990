package dev.gitwire.bench;

import dev.gitwire.keys.PrivateKey;
import dev.gitwire.pq.ExchangeFailedException;
import dev.gitwire.pq.PqKeyPair;
import dev.gitwire.pq.PskExchange;
import dev.gitwire.pq.PskExchange.Party;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Locale;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.SecretWithEncapsulation;
import org.bouncycastle.crypto.generators.MLKEMKeyPairGenerator;
import org.bouncycastle.crypto.kems.MLKEMExtractor;
import org.bouncycastle.crypto.kems.MLKEMGenerator;
import org.bouncycastle.crypto.params.MLKEMKeyGenerationParameters;
import org.bouncycastle.crypto.params.MLKEMParameters;
import org.bouncycastle.crypto.params.MLKEMPrivateKeyParameters;
import org.bouncycastle.crypto.params.MLKEMPublicKeyParameters;

/**
 * What one renewal of a post-quantum pre-shared key would cost a pair of peers (issue 31, docs/architecture.md, "Key
 * lifecycle"), in CPU, from its primitives: per side, one ML-KEM-768 key generation (the initiator's ephemeral key)
 * and three encapsulations or decapsulations, on BouncyCastle, warmed up. The bytes are the sizes of what the
 * exchange sends. Nothing of the exchange itself is built yet.
 */
public final class MlKemBenchmark {

    public static void main(String[] given) {
        BenchArgs args = new BenchArgs(given);
        int rounds = args.integer(0, 2_000);
        SecureRandom random = new SecureRandom();
        MLKEMParameters parameters = MLKEMParameters.ml_kem_768;
        MLKEMKeyPairGenerator generator = new MLKEMKeyPairGenerator();
        generator.init(new MLKEMKeyGenerationParameters(random, parameters));
        MLKEMGenerator encapsulator = new MLKEMGenerator(random);
        long keys = 0;
        long encaps = 0;
        long decaps = 0;
        int publicKey = 0;
        int ciphertext = 0;
        for (int warm = 0; warm < 2; warm++) { // the first pass warms the JIT; the second is measured
            keys = 0;
            encaps = 0;
            decaps = 0;
            for (int i = 0; i < rounds; i++) {
                long t0 = System.nanoTime();
                AsymmetricCipherKeyPair pair = generator.generateKeyPair();
                long t1 = System.nanoTime();
                SecretWithEncapsulation sent = encapsulator.generateEncapsulated(pair.getPublic());
                long t2 = System.nanoTime();
                byte[] secret = new MLKEMExtractor((MLKEMPrivateKeyParameters) pair.getPrivate())
                        .extractSecret(sent.getEncapsulation());
                long t3 = System.nanoTime();
                if (!Arrays.equals(secret, sent.getSecret())) {
                    throw new IllegalStateException("ML-KEM-768: the two ends derived different secrets");
                }
                keys += t1 - t0;
                encaps += t2 - t1;
                decaps += t3 - t2;
                publicKey = ((MLKEMPublicKeyParameters) pair.getPublic()).getEncoded().length;
                ciphertext = sent.getEncapsulation().length;
            }
        }
        double keyUs = keys / 1000.0 / rounds;
        double encUs = encaps / 1000.0 / rounds;
        double decUs = decaps / 1000.0 / rounds;
        // per side and renewal: the initiator makes the ephemeral key, encapsulates once and decapsulates twice; the
        // responder encapsulates twice and decapsulates once: both about one key and three KEM operations
        double perSideUs = keyUs + 1.5 * (encUs + decUs);
        int wire = publicKey + 3 * ciphertext + 4 * 64; // epki, three ciphertexts, four messages' framing and MACs
        System.out.printf(Locale.ROOT, "ML-KEM-768 on BouncyCastle, %d rounds: key generation %.1f us, encapsulation"
                + " %.1f us, decapsulation %.1f us; one renewal ~%.0f us of CPU per side, %d bytes on the wire"
                + " (public key %d, ciphertext %d)%n", rounds, keyUs, encUs, decUs, perSideUs, wire, publicKey,
                ciphertext);
        exchanges(rounds, random);
    }

    /** The built exchange, PskExchange's four messages in this JVM: the CPU of each side and the bytes sent. */
    private static void exchanges(int rounds, SecureRandom random) {
        PqKeyPair initiatorKey = PqKeyPair.generate(random);
        PqKeyPair responderKey = PqKeyPair.generate(random);
        Party initiator = new Party(PrivateKey.generate(random).publicKey(), initiatorKey.publicKey());
        Party responder = new Party(PrivateKey.generate(random).publicKey(), responderKey.publicKey());
        long initiatorNanos = 0;
        long responderNanos = 0;
        int bytes = 0;
        for (int warm = 0; warm < 2; warm++) {
            initiatorNanos = 0;
            responderNanos = 0;
            for (int i = 0; i < rounds; i++) {
                try {
                    long t0 = System.nanoTime();
                    PskExchange.Initiator side = PskExchange.initiate(initiatorKey, initiator, responder, i, random);
                    byte[] hello = side.initHello();
                    long t1 = System.nanoTime();
                    PskExchange.Responder other = PskExchange.respond(responderKey, responder, initiator, random);
                    byte[] respHello = other.onInitHello(hello);
                    long t2 = System.nanoTime();
                    byte[] initConf = side.onRespHello(respHello);
                    long t3 = System.nanoTime();
                    PskExchange.Confirmed confirmed = other.onInitConf(initConf);
                    long t4 = System.nanoTime();
                    PskExchange.Agreed agreed = side.onDone(confirmed.done());
                    long t5 = System.nanoTime();
                    if (!agreed.equals(confirmed.agreed())) {
                        throw new IllegalStateException("the two ends agreed on different keys");
                    }
                    initiatorNanos += (t1 - t0) + (t3 - t2) + (t5 - t4);
                    responderNanos += (t2 - t1) + (t4 - t3);
                    bytes = hello.length + respHello.length + initConf.length + confirmed.done().length;
                } catch (ExchangeFailedException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        System.out.printf(Locale.ROOT, "PskExchange, %d exchanges: initiator %.0f us, responder %.0f us of CPU per"
                + " exchange; %d bytes of messages (plus each message's 4-byte length and TCP's own)%n", rounds,
                initiatorNanos / 1000.0 / rounds, responderNanos / 1000.0 / rounds, bytes);
    }
}
