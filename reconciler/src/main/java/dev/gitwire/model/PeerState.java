package dev.gitwire.model;

import java.time.Instant;
import java.util.Optional;

/** A peer as the device reports it: its configuration and its traffic. */
public record PeerState(PeerConfig config, Optional<Instant> latestHandshake, long receivedBytes, long sentBytes) {}
