package dev.gitwire.model;

import java.util.Optional;

/** A network interface as the kernel reports it; {@code kind} is empty for links without one (lo, eth0 of some drivers). */
public record Link(int index, String name, Optional<String> kind, int mtu, boolean up) {}
