package dev.gitwire.intent;

import java.util.Arrays;

/** An enum constant with the exact spelling the intent files use for it. */
public interface Spelled {

    String spelling();

    static <E extends Enum<E> & Spelled> E bySpelling(Class<E> type, String spelling) {
        return Arrays.stream(type.getEnumConstants())
                .filter(e -> e.spelling().equals(spelling))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no " + type.getSimpleName() + " " + spelling));
    }
}
