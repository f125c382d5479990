package dev.gitwire.model;

import java.util.List;

/**
 * An nftables table as gitwire owns it: base chains with their rules, each rule a list of typed expressions, so
 * that a table read back compares equal to the one written without the core holding nft's JSON (the adapter,
 * {@code dataplane.nft}, translates both ways).
 */
public record NftTable(String family, String name, List<Chain> chains) {

    public NftTable {
        chains = List.copyOf(chains);
    }

    public record Chain(String name, String type, String hook, int priority, String policy, List<Rule> rules) {
        public Chain {
            rules = List.copyOf(rules);
        }
    }

    /** One rule: its expressions in order. */
    public record Rule(List<Expression> expressions) {
        public Rule {
            expressions = List.copyOf(expressions);
        }
    }

    /** The expressions gitwire writes; whatever else a table holds reads as {@link Other}, so it differs. */
    public sealed interface Expression permits IncomingInterfaceIsNot, OutgoingInterfaceIs, PayloadIn, Marked, MarkOr,
            Counter, Verdict, Other {}

    /** {@code iifname != NAME}. */
    public record IncomingInterfaceIsNot(String name) implements Expression {}

    /** {@code oifname NAME}. */
    public record OutgoingInterfaceIs(String name) implements Expression {}

    /**
     * {@code PROTOCOL FIELD {VALUES}} ({@code ip saddr}, {@code arp saddr ip}, {@code ip daddr @set}): the values in
     * one order, since nft lists an anonymous set in the order of its hash, not as written.
     */
    public record PayloadIn(String protocol, String field, List<String> values) implements Expression {
        public PayloadIn {
            values = values.stream().sorted().toList();
        }
    }

    /** {@code meta mark & MARK == MARK}. */
    public record Marked(long mark) implements Expression {}

    /** {@code meta mark set meta mark | MARK}: keeps whatever else the mark carries. */
    public record MarkOr(long mark) implements Expression {}

    /** {@code counter}: what it counted is no difference from the rule gitwire writes. */
    public record Counter() implements Expression {}

    /** {@code accept}, {@code drop}. */
    public record Verdict(String name) implements Expression {}

    /** An expression gitwire does not write, as nft printed it. */
    public record Other(String json) implements Expression {}
}
