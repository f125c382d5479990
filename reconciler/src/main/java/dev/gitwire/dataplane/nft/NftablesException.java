package dev.gitwire.dataplane.nft;

/** nft refused a transaction or could not list a table; carries nft's own message. */
public final class NftablesException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public NftablesException(String message) {
        super(message);
    }
}
