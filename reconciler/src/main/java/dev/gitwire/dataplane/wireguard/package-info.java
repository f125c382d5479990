/**
 * The WireGuard device, kernel (generic netlink) or wireguard-go (its UAPI socket): configured and read
 * the same way, whichever runs.
 */
package dev.gitwire.dataplane.wireguard;
