package dev.gitwire.intent;

/** What happens to traffic for a node that cannot be a peer. */
public enum Mode implements Spelled {
    /** It goes in plaintext. */
    OPPORTUNISTIC("Opportunistic"),
    /** It is refused with a prohibit route, never sent in plaintext. */
    STRICT("Strict");

    private final String spelling;

    Mode(String spelling) {
        this.spelling = spelling;
    }

    @Override
    public String spelling() {
        return spelling;
    }
}
