package dev.gitwire.intent;

/** Which nodes take part in the mesh. */
public enum Membership implements Spelled {
    /** Only nodes listed under nodes/. */
    INVENTORY("Inventory"),
    /** Every Kubernetes node that matches the node selector. */
    CLUSTER("Cluster");

    private final String spelling;

    Membership(String spelling) {
        this.spelling = spelling;
    }

    @Override
    public String spelling() {
        return spelling;
    }
}
