package dev.gitwire.desired;

/** The tunnel MTU and why it was chosen, as the status reports it. */
public record MtuChoice(int mtu, String reason) {}
