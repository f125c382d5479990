/**
 * The encryption intent in Git ({@code mesh.yaml}, {@code nodes/}): read strictly, checked against its schema
 * and its rules, every problem at its file, line and column.
 */
package dev.gitwire.intent;
