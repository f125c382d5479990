package dev.gitwire.dataplane.sysctl;

import dev.gitwire.statedir.StateFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * A sysctl gitwire changes and must give back: the value found before gitwire's first change is kept
 * in a file of the state dir, so that teardown restores it even after a restart of the agent.
 */
public final class RememberedSysctl {

    private final Sysctls sysctls;
    private final String name;
    private final Path memory;

    public RememberedSysctl(Sysctls sysctls, String name, Path stateDirectory) {
        this.sysctls = sysctls;
        this.name = name;
        this.memory = stateDirectory.resolve("sysctl-" + name + ".original");
    }

    public String current() {
        return sysctls.read(name);
    }

    /** Sets the value, first remembering the one found, unless a value is remembered already. */
    public void set(String value) {
        if (remembered().isEmpty()) {
            String found = sysctls.read(name);
            try { // flushed to disk before the change it undoes: a power cut must not lose what teardown restores
                StateFile.replace(memory, found.getBytes(StandardCharsets.US_ASCII),
                        PosixFilePermissions.fromString("rw-------"));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remember " + name, e);
            }
        }
        sysctls.write(name, value);
    }

    /** Puts back the value found before the first change, and forgets it; nothing when none is remembered. */
    public void restore() {
        Optional<String> original = remembered();
        if (original.isPresent()) {
            sysctls.write(name, original.get());
            try {
                Files.delete(memory);
                StateFile.syncDirectory(memory.getParent());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot forget " + name, e);
            }
        }
    }

    public Optional<String> remembered() {
        try {
            return Files.exists(memory) ? Optional.of(Files.readString(memory, StandardCharsets.US_ASCII).strip())
                    : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read what was remembered of " + name, e);
        }
    }
}
