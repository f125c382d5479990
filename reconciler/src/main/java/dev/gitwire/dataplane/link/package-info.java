/**
 * Network links through rtnetlink: the WireGuard link, its addresses and MTU.
 */
package dev.gitwire.dataplane.link;
