/**
 * The pure core's second half: the least ordered set of operations from what the kernel has to what it must
 * have (the sealed {@code Operation} set, the {@code Planner}); a plan runs through the {@code dataplane}
 * package's port.
 */
package dev.gitwire.plan;
