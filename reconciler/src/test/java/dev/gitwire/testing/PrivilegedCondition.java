package dev.gitwire.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Enables {@link Privileged} tests as root with the tools they drive; otherwise skips, or fails when required. */
final class PrivilegedCondition implements ExecutionCondition {

    private static final List<String> TOOLS = List.of("ip", "nft", "wg", "wireguard-go", "unshare", "nsenter");

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String missing = missing();
        if (missing == null) {
            return ConditionEvaluationResult.enabled("root, with " + String.join(", ", TOOLS));
        }
        if ("required".equals(System.getenv("GITWIRE_PRIVILEGED_TESTS"))) {
            throw new IllegalStateException("GITWIRE_PRIVILEGED_TESTS=required, but " + missing);
        }
        return ConditionEvaluationResult.disabled("kernel test skipped: " + missing);
    }

    private static String missing() {
        if (!isRoot()) {
            return "not running as root (network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN)";
        }
        for (String tool : TOOLS) {
            if (!onPath(tool)) {
                return tool + " is not installed (make test installs it)";
            }
        }
        return null;
    }

    private static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .anyMatch(line -> line.matches("Uid:\\s+0\\s.*"));
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }
}
