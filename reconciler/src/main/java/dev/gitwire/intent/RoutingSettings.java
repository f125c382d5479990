package dev.gitwire.intent;

/** The routing table gitwire owns and the priority of the rule that leads into it. */
public record RoutingSettings(long table, long rulePriority) {

    public static final RoutingSettings DEFAULT = new RoutingSettings(51820, 97);
}
