package dev.gitwire.testing;

import static org.junit.platform.engine.discovery.ClassNameFilter.includeClassNamePatterns;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.EngineFilter;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs the tests tagged for the kernel VM (`make kernel-test` starts it inside tools/kernel-vm, where the
 * file system is read-only and Maven would be slow): every {@link KernelWireguard} test, and the privileged
 * tests tagged {@link KernelWireguard#ALSO_IN_VM}; with arguments, only those of the classes named (simple names:
 * `make kernel-test KERNEL_TESTS=PostQuantumEndToEndIT`). Prints each result as it ends; exits 0 only when at
 * least one test ran and none failed or was skipped.
 */
public final class KernelTestLauncher {

    private KernelTestLauncher() {}

    public static void main(String[] args) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectPackage("dev.gitwire"))
                .filters(TagFilter.includeTags(KernelWireguard.TAG, KernelWireguard.ALSO_IN_VM),
                        EngineFilter.includeEngines("junit-jupiter"), // jqwik would write its database to a read-only tree
                        includeClassNamePatterns(args.length == 0 ? ".*" : ".*\\.(" + String.join("|", args) + ")"))
                .build();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        TestExecutionListener progress = new TestExecutionListener() {
            private final Map<String, Long> started = new ConcurrentHashMap<>();

            @Override
            public void testPlanExecutionStarted(TestPlan plan) {
                System.out.printf("discovered %d tests in %.1f s of the JVM%n", plan.countTestIdentifiers(TestIdentifier::isTest),
                        ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0);
            }

            @Override
            public void executionStarted(TestIdentifier test) {
                started.put(test.getUniqueId(), System.nanoTime());
            }

            @Override
            public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                if (test.isTest()) { // with its time: under emulation, where the minutes of `make kernel-test` go
                    System.out.printf("%s  %.1f s  %s (%s)%s%n", result.getStatus(),
                            (System.nanoTime() - started.get(test.getUniqueId())) / 1e9, test.getLegacyReportingName(),
                            test.getUniqueId().replaceAll(".*class:([^\\]]*).*", "$1"),
                            result.getThrowable().map(t -> "\n    " + t).orElse(""));
                }
            }

            @Override
            public void executionSkipped(TestIdentifier test, String reason) {
                System.out.println("SKIPPED  " + test.getDisplayName() + ": " + reason);
            }
        };
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, summary, progress);
        TestExecutionSummary result = summary.getSummary();
        result.printTo(new PrintWriter(System.out));
        result.printFailuresTo(new PrintWriter(System.out), 30);
        boolean ok = result.getTestsSucceededCount() > 0 && result.getTotalFailureCount() == 0
                && result.getTestsSkippedCount() == 0 && result.getTestsAbortedCount() == 0;
        System.exit(ok ? 0 : 1);
    }
}
