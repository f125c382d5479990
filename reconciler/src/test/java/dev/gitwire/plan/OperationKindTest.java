package dev.gitwire.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The operations' kinds are a contract: the metric label gitwire_kernel_operations_total{kind}, the counts of
 * `gitwire plan` and its JSON. Every operation has one, and the set changes only when this list does.
 */
class OperationKindTest {

    /** As docs/metrics.md and scripts know them; a rename of a class must not change one. */
    private static final List<String> KINDS = List.of("CreateDevice", "AnchorLink", "SetLink", "DeleteDevice",
            "ConfigureDevice", "AddPeer", "UpdatePeer", "RemovePeer", "SetPresharedKey", "AddAllowedIp", "RemoveAllowedIp", "AddRoute",
            "ReplaceRoute", "DeleteRoute", "AddRule", "DeleteRule", "InstallGuard", "GuardDestination",
            "ReleaseDestination", "DeleteGuard", "ReplaceNftTable", "DeleteNftTable", "SetSysctl", "RestoreSysctl");

    @Test
    void everyOperationHasItsKindAndTheKindsAreTheContractsOnes() {
        assertThat(new HashSet<Class<?>>(Operation.KINDS.keySet()))
                .isEqualTo(Set.of(Operation.class.getPermittedSubclasses()));
        assertThat(Operation.KINDS.values()).containsExactlyInAnyOrderElementsOf(KINDS);
    }
}
