/**
 * Kernel parameters under /proc/sys, per network namespace, and the values gitwire must give back.
 */
package dev.gitwire.dataplane.sysctl;
