package dev.gitwire.desired;

import dev.gitwire.keys.PrivateKey;

/** Who this agent is: the node it runs on and the private key it holds. */
public record NodeIdentity(String nodeName, PrivateKey privateKey) {}
