/**
 * Addresses and prefixes of both families, parsed strictly and ordered for packed sorting.
 */
package dev.gitwire.net;
