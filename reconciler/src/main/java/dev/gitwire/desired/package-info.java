/**
 * The pure core's first half: the kernel state a node must have, as a function of the intent, the live
 * cluster, the node's identity and its underlay; claims bounded and contested, keys held.
 */
package dev.gitwire.desired;
