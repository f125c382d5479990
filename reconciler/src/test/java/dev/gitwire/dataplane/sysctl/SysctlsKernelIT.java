package dev.gitwire.dataplane.sysctl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.testing.Privileged;
import dev.gitwire.testing.TestNamespace;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Privileged
class SysctlsKernelIT {

    @Test
    void aValueIsChangedInItsOwnNamespaceAndTheOriginalRestored(@TempDir Path state) {
        try (TestNamespace ns = new TestNamespace(); TestNamespace other = new TestNamespace()) {
            Sysctls sysctls = new Sysctls(ns.namespace());
            RememberedSysctl validMark = new RememberedSysctl(sysctls, "net.ipv4.conf.all.src_valid_mark", state);
            assertThat(validMark.current()).isEqualTo("0");

            validMark.set("1");
            validMark.set("1"); // a second change keeps the first original
            assertThat(ns.exec("sysctl", "-n", "net.ipv4.conf.all.src_valid_mark").strip()).isEqualTo("1");
            assertThat(other.exec("sysctl", "-n", "net.ipv4.conf.all.src_valid_mark").strip()).isEqualTo("0");
            assertThat(validMark.remembered()).contains("0");

            // a restarted agent finds the remembered original in its state dir
            new RememberedSysctl(new Sysctls(ns.namespace()), "net.ipv4.conf.all.src_valid_mark", state).restore();
            assertThat(ns.exec("sysctl", "-n", "net.ipv4.conf.all.src_valid_mark").strip()).isEqualTo("0");
            assertThat(validMark.remembered()).isEmpty();
        }
    }

    @Test
    void interfaceNamesWithDotsMapToTheirOwnDirectory() {
        assertThat(Sysctls.path("net.ipv4.conf.gitwire0.rp_filter"))
                .isEqualTo(Path.of("/proc/sys/net/ipv4/conf/gitwire0/rp_filter"));
        assertThat(Sysctls.path("net.ipv4.conf.all.src_valid_mark"))
                .isEqualTo(Path.of("/proc/sys/net/ipv4/conf/all/src_valid_mark"));
        assertThat(Sysctls.path("net.core.rmem_max")).isEqualTo(Path.of("/proc/sys/net/core/rmem_max"));
    }
}
