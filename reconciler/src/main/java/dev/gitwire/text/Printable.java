package dev.gitwire.text;

import java.util.regex.Pattern;

/**
 * Text that came from hostile input (a pull request, another node's status), made safe to show on a terminal or a
 * rendered page: control characters and bidi overrides, which rewrite what is around them, become {@code \u001b}.
 */
public final class Printable {

    private static final Pattern UNPRINTABLE = Pattern.compile("[\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]");
    private static final Pattern UNPRINTABLE_BUT_LINES =
            Pattern.compile("[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]");

    private Printable() {}

    /** For one line of output, whose line feeds could forge the lines after it. */
    public static String line(String text) {
        return escaped(text, UNPRINTABLE);
    }

    /** For free text, which keeps its line feeds and tabs. */
    public static String text(String text) {
        return escaped(text, UNPRINTABLE_BUT_LINES);
    }

    private static String escaped(String text, Pattern unprintable) {
        return unprintable.matcher(text).replaceAll(m -> String.format("\\\\u%04x", (int) m.group().charAt(0)));
    }
}
