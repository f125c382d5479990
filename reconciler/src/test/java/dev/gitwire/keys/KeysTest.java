package dev.gitwire.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.testing.Shell;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeysTest {

    @Test
    void wgGenkeyGivesTheSamePublicKeyInGitwireAsInWgPubkey() {
        for (int i = 0; i < 5; i++) {
            String secret = Shell.run("wg", "genkey").strip();
            String expected = Shell.run(List.of("wg", "pubkey"), secret + "\n").strip();
            assertThat(PrivateKey.parse(secret).publicKey().base64()).isEqualTo(expected);
        }
    }

    @Test
    void aGitwireKeyGivesTheSamePublicKeyInWgPubkey() {
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < 5; i++) {
            PrivateKey key = PrivateKey.generate(random);
            String fromWg = Shell.run(List.of("wg", "pubkey"), key.base64() + "\n").strip();
            assertThat(key.publicKey().base64()).isEqualTo(fromWg);
        }
    }

    @Test
    void theKnownVectorOfRfc7748Holds() {
        // RFC 7748 section 6.1: Alice's private key and public key
        PrivateKey alice = PrivateKey.of(HexFormat.of()
                .parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
        assertThat(alice.publicKey().raw()).isEqualTo(HexFormat.of()
                .parseHex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
    }

    @Test
    void aPrivateKeyNeverPrintsItself() {
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        assertThat(key.toString()).doesNotContain(key.base64()).contains(key.publicKey().fingerprint());
    }
}
