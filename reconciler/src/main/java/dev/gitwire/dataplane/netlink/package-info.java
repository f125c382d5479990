/**
 * A small netlink layer on jnr-ffi: sockets in a network namespace, messages, attributes, pipelined
 * requests and dumps.
 */
package dev.gitwire.dataplane.netlink;
