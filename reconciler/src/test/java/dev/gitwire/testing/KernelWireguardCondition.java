package dev.gitwire.testing;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Enables {@link KernelWireguard} tests where the running kernel has WireGuard loaded. */
final class KernelWireguardCondition implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (Testbed.kernelWireguard()) {
            return ConditionEvaluationResult.enabled("the kernel has WireGuard");
        }
        String why = "this kernel has no WireGuard module: run it in tools/kernel-vm (make kernel-test)";
        if ("required".equals(System.getenv("GITWIRE_PRIVILEGED_TESTS"))) {
            throw new IllegalStateException("GITWIRE_PRIVILEGED_TESTS=required, but " + why);
        }
        return ConditionEvaluationResult.disabled(why);
    }
}
