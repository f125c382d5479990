package dev.gitwire.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test of kernel WireGuard itself (the generic-netlink backend), which this machine's kernel lacks: it
 * runs in the VM of {@code tools/kernel-vm} (`make kernel-test`), never in the host's `mvn verify`. Where
 * the kernel has no WireGuard it is skipped with the reason, or failed when GITWIRE_PRIVILEGED_TESTS=required.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag(KernelWireguard.TAG)
@Privileged
@ExtendWith(KernelWireguardCondition.class)
public @interface KernelWireguard {

    String TAG = "kernel-wireguard";

    /** Also run in the VM: privileged tests of layers kernel WireGuard is used with (routes, rules). */
    String ALSO_IN_VM = "kernel-vm";
}
