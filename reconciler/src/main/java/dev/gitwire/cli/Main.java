package dev.gitwire.cli;


/** Entry point of the gitwire jar. */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        System.exit(GitwireCommand.commandLine().execute(args));
    }
}
