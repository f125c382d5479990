package dev.gitwire.model;

import dev.gitwire.net.IpFamily;

/**
 * A policy rule as gitwire writes it: {@code [not] from all fwmark M/M lookup T} at a priority. Rules
 * read back keep only these selectors; {@code otherSelectors} marks a rule that also matches on
 * something else, so that it is never mistaken for gitwire's.
 */
public record Rule(IpFamily family, long priority, long fwmark, long fwmask, boolean invert, long table,
        boolean otherSelectors) {

    public static Rule unmarkedTo(IpFamily family, long priority, long mark, long table) {
        return new Rule(family, priority, mark, mark, true, table, false);
    }

    @Override
    public String toString() {
        return priority + ": " + (invert ? "not " : "") + "from all"
                + (fwmask != 0 ? String.format(" fwmark 0x%x/0x%x", fwmark, fwmask) : "")
                + (otherSelectors ? " (and other selectors)" : "") + " lookup " + table;
    }
}
