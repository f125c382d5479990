package dev.gitwire.cli;

import dev.gitwire.dataplane.netlink.NetworkNamespace;
import dev.gitwire.dataplane.sysctl.Sysctls;
import dev.gitwire.desired.DesiredState;
import java.io.PrintWriter;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code gitwire node-setup}: sets the kernel parameters host encryption needs, as the DaemonSet's privileged
 * init container, so that the agent itself runs without write access to /proc/sys. Each one only makes strict
 * reverse-path checks see a packet's mark: on a node where nothing marks packets it changes nothing.
 */
@Command(name = "node-setup", mixinStandardHelpOptions = true,
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:every kernel parameter is set",
                "1:one could not be written",
                "2:usage error"},
        description = "Set the kernel parameters host encryption needs (net.ipv4.conf.all.src_valid_mark=1), as the"
                + " DaemonSet's privileged init container does; exit 1 when one cannot be written.")
final class NodeSetupCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Sysctls sysctls = new Sysctls(NetworkNamespace.current());
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int status = GitwireCommand.EXIT_OK;
        for (var wanted : new TreeMap<>(DesiredState.HOST_ENCRYPTION_SYSCTLS).entrySet()) {
            String was = sysctls.read(wanted.getKey());
            if (was.equals(wanted.getValue())) {
                out.println(wanted.getKey() + " = " + was + " (already)");
            } else if (!sysctls.writable(wanted.getKey())) {
                err.println("gitwire: cannot write " + wanted.getKey() + ": /proc/sys is read-only here (the init"
                        + " container needs securityContext.privileged: true)");
                status = GitwireCommand.EXIT_FAILURE;
            } else {
                sysctls.write(wanted.getKey(), wanted.getValue());
                out.println(wanted.getKey() + " = " + wanted.getValue() + " (was " + was + ")");
            }
        }
        out.flush();
        err.flush();
        return status;
    }
}
