/**
 * The kernel state's values: routes, rules, links, the WireGuard device and its peers, the guard, nft tables,
 * and the live cluster as the desired state reads it.
 */
package dev.gitwire.model;
