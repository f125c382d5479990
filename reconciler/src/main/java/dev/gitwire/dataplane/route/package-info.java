/**
 * Routes and rules through rtnetlink: gitwire's table and the rule that leads into it.
 */
package dev.gitwire.dataplane.route;
