/**
 * Post-quantum pre-shared keys (issue 31): each node's static ML-KEM-768 key pair, and the exchange two peers run to
 * agree on their WireGuard pre-shared key. Pure: the transport and the renewal schedule are the agent's.
 */
package dev.gitwire.pq;
