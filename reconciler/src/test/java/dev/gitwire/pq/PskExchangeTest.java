package dev.gitwire.pq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gitwire.keys.PresharedKey;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.pq.PskExchange.Agreed;
import dev.gitwire.pq.PskExchange.Confirmed;
import dev.gitwire.pq.PskExchange.Initiator;
import dev.gitwire.pq.PskExchange.Party;
import dev.gitwire.pq.PskExchange.Responder;
import java.security.SecureRandom;
import java.util.Base64;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Issue 31 point 3: the two ends of an exchange agree on a key, and nobody else can make either end agree. */
class PskExchangeTest {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Node I = new Node();
    private static final Node R = new Node();

    /** A node's keys: its WireGuard key names it, its ML-KEM pair authenticates it. */
    private record Node(PqKeyPair pq, Party party) {
        Node() {
            this(PqKeyPair.generate(RANDOM));
        }

        Node(PqKeyPair pq) {
            this(pq, new Party(PrivateKey.generate(RANDOM).publicKey(), pq.publicKey()));
        }
    }

    @Test
    void bothEndsAgreeOnAFreshKeyForTheEpoch() throws Exception {
        Initiator initiator = PskExchange.initiate(I.pq(), I.party(), R.party(), 7, RANDOM);
        Responder responder = PskExchange.respond(R.pq(), R.party(), I.party(), RANDOM);

        byte[] respHello = responder.onInitHello(initiator.initHello());
        Confirmed atResponder = responder.onInitConf(initiator.onRespHello(respHello));
        Agreed atInitiator = initiator.onDone(atResponder.done());

        assertThat(atInitiator).isEqualTo(atResponder.agreed());
        assertThat(atInitiator.epoch()).isEqualTo(7);
        assertThat(atInitiator.presharedKey().isNone()).isFalse();
        assertThat(exchange(I, R, 7).presharedKey()).as("every exchange its own key").isNotEqualTo(
                atInitiator.presharedKey());
        assertThat(atInitiator.toString()).doesNotContain(Base64.getEncoder().encodeToString(
                atInitiator.presharedKey().raw()));
    }

    @Test
    void theMessagesHaveTheirDesignedSizes() throws Exception {
        Initiator initiator = PskExchange.initiate(I.pq(), I.party(), R.party(), 1, RANDOM);
        Responder responder = PskExchange.respond(R.pq(), R.party(), I.party(), RANDOM);
        byte[] hello = initiator.initHello();
        byte[] respHello = responder.onInitHello(hello);
        byte[] initConf = initiator.onRespHello(respHello);
        byte[] done = responder.onInitConf(initConf).done();
        // an ephemeral public key, three ciphertexts, two MACs and four headers: what docs/benchmarks.md counts
        assertThat(hello.length + respHello.length + initConf.length + done.length).isEqualTo(4_568);
    }

    @Test
    void aResponderWithoutTheStaticKeyItClaimsIsFoundOut() throws Exception {
        Node impostor = new Node(PqKeyPair.generate(RANDOM)); // claims R's identity, holds another ML-KEM key
        Initiator initiator = PskExchange.initiate(I.pq(), I.party(), R.party(), 1, RANDOM);
        Responder responder = PskExchange.respond(impostor.pq(), R.party(), I.party(), RANDOM);
        byte[] initConf = initiator.onRespHello(responder.onInitHello(initiator.initHello()));
        assertThatThrownBy(() -> responder.onInitConf(initConf)).isInstanceOf(ExchangeFailedException.class)
                .hasMessageContaining("does not verify");
    }

    @Test
    void anInitiatorWithoutTheStaticKeyItClaimsIsFoundOut() throws Exception {
        Node impostor = new Node(PqKeyPair.generate(RANDOM)); // claims I's identity
        Initiator initiator = PskExchange.initiate(impostor.pq(), I.party(), R.party(), 1, RANDOM);
        Responder responder = PskExchange.respond(R.pq(), R.party(), I.party(), RANDOM);
        byte[] initConf = initiator.onRespHello(responder.onInitHello(initiator.initHello()));
        assertThatThrownBy(() -> responder.onInitConf(initConf)).isInstanceOf(ExchangeFailedException.class)
                .hasMessageContaining("the initiator is not who its keys say");
    }

    @Test
    void anExchangeMeantForAnotherPairNeverVerifies() throws Exception {
        Party elsewhere = new Party(PrivateKey.generate(RANDOM).publicKey(), I.party().pq()); // same ML-KEM key
        Initiator initiator = PskExchange.initiate(I.pq(), I.party(), R.party(), 1, RANDOM);
        Responder responder = PskExchange.respond(R.pq(), R.party(), elsewhere, RANDOM);
        byte[] initConf = initiator.onRespHello(responder.onInitHello(initiator.initHello()));
        assertThatThrownBy(() -> responder.onInitConf(initConf)).isInstanceOf(ExchangeFailedException.class);
    }

    @Test
    void aTamperedCiphertextOrAReplayedConfirmationIsRefused() throws Exception {
        Initiator initiator = PskExchange.initiate(I.pq(), I.party(), R.party(), 1, RANDOM);
        Responder responder = PskExchange.respond(R.pq(), R.party(), I.party(), RANDOM);
        byte[] respHello = responder.onInitHello(initiator.initHello());
        respHello[PskExchange.HEADER + 5] ^= 1;
        byte[] initConf = initiator.onRespHello(respHello);
        assertThatThrownBy(() -> responder.onInitConf(initConf)).isInstanceOf(ExchangeFailedException.class);

        Initiator first = PskExchange.initiate(I.pq(), I.party(), R.party(), 2, RANDOM);
        Responder once = PskExchange.respond(R.pq(), R.party(), I.party(), RANDOM);
        byte[] recorded = first.onRespHello(once.onInitHello(first.initHello()));
        once.onInitConf(recorded);
        Responder later = PskExchange.respond(R.pq(), R.party(), I.party(), RANDOM);
        later.onInitHello(first.initHello()); // the recorded hello replayed: R answers, but nothing can finish
        assertThatThrownBy(() -> later.onInitConf(recorded)).isInstanceOf(ExchangeFailedException.class);
    }

    @Test
    void messagesOutOfTurnOrOfAnotherEpochAreRefused() throws Exception {
        Initiator initiator = PskExchange.initiate(I.pq(), I.party(), R.party(), 3, RANDOM);
        Responder responder = PskExchange.respond(R.pq(), R.party(), I.party(), RANDOM);
        assertThatThrownBy(() -> responder.onInitConf(new byte[PskExchange.INIT_CONF]))
                .isInstanceOf(ExchangeFailedException.class).hasMessageContaining("before InitHello");
        assertThatThrownBy(() -> initiator.onDone(new byte[PskExchange.DONE]))
                .isInstanceOf(ExchangeFailedException.class).hasMessageContaining("before RespHello");
        byte[] respHello = responder.onInitHello(initiator.initHello());
        Initiator otherEpoch = PskExchange.initiate(I.pq(), I.party(), R.party(), 4, RANDOM);
        assertThatThrownBy(() -> otherEpoch.onRespHello(respHello)).isInstanceOf(ExchangeFailedException.class)
                .hasMessageContaining("another epoch");
        assertThatThrownBy(() -> responder.onInitHello(initiator.initHello()))
                .isInstanceOf(ExchangeFailedException.class).hasMessageContaining("second InitHello");
    }

    /**
     * Hostile input: any bytes at any step end in ExchangeFailedException, never another error, and never quote what
     * they held; a well-formed hello of nobody's may be answered (neither end can tell before the confirmations),
     * but no bytes make either end agree.
     */
    @Property(tries = 200)
    void anyBytesAtAnyStepFailCleanlyAndAgreeOnNothing(@ForAll("messages") byte[] garbage,
            @ForAll @IntRange(min = 0, max = 3) int step) throws Exception {
        Initiator initiator = PskExchange.initiate(I.pq(), I.party(), R.party(), 1, RANDOM);
        Responder responder = PskExchange.respond(R.pq(), R.party(), I.party(), RANDOM);
        try {
            switch (step) {
                case 0 -> responder.onInitHello(garbage);
                case 1 -> initiator.onRespHello(garbage);
                case 2 -> {
                    responder.onInitHello(initiator.initHello());
                    responder.onInitConf(garbage);
                    throw new AssertionError("the responder agreed on " + garbage.length + " random bytes");
                }
                default -> {
                    initiator.onRespHello(responder.onInitHello(initiator.initHello()));
                    initiator.onDone(garbage);
                    throw new AssertionError("the initiator agreed on " + garbage.length + " random bytes");
                }
            }
        } catch (ExchangeFailedException expected) {
            if (garbage.length >= 8) {
                assertThat(expected.getMessage()).doesNotContain(Base64.getEncoder().encodeToString(garbage));
            }
        }
    }

    @Provide
    Arbitrary<byte[]> messages() {
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(64),
                Arbitraries.of(PskExchange.INIT_HELLO, PskExchange.RESP_HELLO, PskExchange.INIT_CONF)
                        .flatMap(n -> Arbitraries.bytes().array(byte[].class).ofSize(n)),
                Arbitraries.of(PskExchange.INIT_HELLO, PskExchange.RESP_HELLO, PskExchange.INIT_CONF)
                        .flatMap(n -> Arbitraries.bytes().array(byte[].class).ofSize(n - PskExchange.HEADER))
                        .map(PskExchangeTest::withHeaderOfAnyType));
    }

    /** Random bodies behind a well-formed header of epoch 1: they pass the first checks, and must fail the rest. */
    private static byte[] withHeaderOfAnyType(byte[] body) {
        byte[] message = new byte[PskExchange.HEADER + body.length];
        System.arraycopy(new byte[] {'G', 'W', 'P', 'Q', 1, (byte) (1 + Math.floorMod(body.length, 4))}, 0, message, 0, 6);
        message[13] = 1;
        System.arraycopy(body, 0, message, PskExchange.HEADER, body.length);
        return message;
    }

    private static Agreed exchange(Node initiatorNode, Node responderNode, long epoch) throws ExchangeFailedException {
        Initiator initiator = PskExchange.initiate(initiatorNode.pq(), initiatorNode.party(), responderNode.party(), epoch,
                RANDOM);
        Responder responder = PskExchange.respond(responderNode.pq(), responderNode.party(), initiatorNode.party(),
                RANDOM);
        Confirmed confirmed = responder.onInitConf(initiator.onRespHello(responder.onInitHello(initiator.initHello())));
        PresharedKey agreed = initiator.onDone(confirmed.done()).presharedKey();
        assertThat(agreed).isEqualTo(confirmed.agreed().presharedKey());
        return confirmed.agreed();
    }
}
