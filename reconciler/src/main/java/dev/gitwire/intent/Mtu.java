package dev.gitwire.intent;

/** The tunnel MTU: chosen from the underlay, or fixed by the operator. */
public sealed interface Mtu {

    int MIN = 1280;
    int MAX = 9000;

    /** Underlay MTU minus the WireGuard overhead, as docs/reference/kernel.md says. */
    record Auto() implements Mtu {
        @Override
        public String toString() {
            return "auto";
        }
    }

    record Fixed(int bytes) implements Mtu {
        @Override
        public String toString() {
            return Integer.toString(bytes);
        }
    }
}
