/**
 * The kernel adapter behind the {@code plan.Dataplane} port: observes and changes what gitwire owns through
 * netlink, nftables, sysctls and WireGuard, in the order a plan gives.
 */
package dev.gitwire.dataplane;
