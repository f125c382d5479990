/**
 * WireGuard keys: the private key in its 0600 file, public keys and their fingerprints, pre-shared keys.
 */
package dev.gitwire.keys;
