/**
 * nftables through {@code nft -j}: the guard table and the host-encryption tables, each replaced in one
 * transaction.
 */
package dev.gitwire.dataplane.nft;
