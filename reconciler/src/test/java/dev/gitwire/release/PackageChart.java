package dev.gitwire.release;

import com.marcnuri.helm.Helm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.regex.Pattern;

/**
 * {@code PackageChart CHART DIGEST DESTINATION}: packages the Helm chart with Helm's own code (helm-java) into
 * DESTINATION/gitwire-VERSION.tgz, its image pinned to the release's digest, so that an installed release runs
 * exactly the image it was released with. Run by tools/release.
 */
public final class PackageChart {

    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    private PackageChart() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3 || !DIGEST.matcher(args[1]).matches()) {
            System.err.println("usage: PackageChart CHART sha256:DIGEST DESTINATION");
            System.exit(2);
        }
        Path chart = Path.of(args[0]);
        Path copy = Files.createTempDirectory("chart-").resolve("gitwire");
        try (var walk = Files.walk(chart)) {
            for (Path path : walk.toList()) {
                Path target = copy.resolve(chart.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        }
        Path values = copy.resolve("values.yaml");
        String text = Files.readString(values);
        String pinned = text.replaceFirst("(?m)^  digest: \"\"$", "  digest: \"" + args[1] + "\"");
        if (pinned.equals(text)) {
            throw new IllegalStateException(values + " has no empty `  digest: \"\"` line under image: to pin");
        }
        Files.writeString(values, pinned);
        new Helm(copy).packageIt().withDestination(Files.createDirectories(Path.of(args[2]))).call();
        try (var walk = Files.walk(copy.getParent())) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
