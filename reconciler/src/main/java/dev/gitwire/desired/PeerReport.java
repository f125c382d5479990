package dev.gitwire.desired;

import dev.gitwire.keys.PublicKey;
import java.util.Optional;

/** Why each other node is a peer or not: the reasons the status reports. */
public record PeerReport(String node, PeerReport.State state, Optional<PublicKey> key) {

    public enum State {
        /** A peer whose destinations are routed into the tunnel. */
        PEERED("Peered"),
        /** A peer configured on the device, its destinations kept on their old path until a first handshake. */
        AWAITING_HANDSHAKE("AwaitingHandshake"),
        NO_KEY("NoKey"),
        KEY_MISMATCH("KeyMismatch"),
        DUPLICATE_KEY("DuplicateKey"),
        NO_ADDRESS("NoAddress"),
        DISABLED("Disabled"),
        NOT_SELECTED("NotSelected");

        private final String spelling;

        State(String spelling) {
            this.spelling = spelling;
        }

        public String spelling() {
            return spelling;
        }
    }
}
