package dev.gitwire.bench;

/** Benchmark arguments: Maven passes -Dbench.args as one string, so split it on white space. */
final class BenchArgs {

    private final String[] args;

    BenchArgs(String[] given) {
        String joined = String.join(" ", given).strip();
        this.args = joined.isEmpty() ? new String[0] : joined.split("\\s+");
    }

    String text(int index, String fallback) {
        return args.length > index ? args[index] : fallback;
    }

    int integer(int index, int fallback) {
        return args.length > index ? Integer.parseInt(args[index]) : fallback;
    }
}
