/**
 * The dataplane as the agent sees it: the {@code Dataplane} port, and its kernel adapter, which observes and changes
 * what gitwire owns through netlink, nftables, sysctls and WireGuard (the sub-packages), in the order a plan gives.
 */
package dev.gitwire.dataplane;
