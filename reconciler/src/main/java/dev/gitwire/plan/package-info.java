/**
 * The pure core's second half: the least ordered set of operations from what the kernel has to what it must
 * have (the sealed {@code Operation} set, the {@code Planner}), and the {@code Dataplane} port it runs through.
 */
package dev.gitwire.plan;
