package org.leo.appliance.cli;

import picocli.CommandLine.Option;

/** {@code --json}: what a read command prints, as one JSON document ({@link Json}) instead of lines of text. */
class JsonOption {
    @Option(names = "--json", description = "Print one JSON document instead of text (its shape is in the description above).")
    boolean json;
}
