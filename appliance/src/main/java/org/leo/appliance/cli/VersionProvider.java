package org.leo.appliance.cli;

import picocli.CommandLine.IVersionProvider;

/** Prints the appliance version from the jar manifest (or "development" when run from classes). */
public class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = VersionProvider.class.getPackage().getImplementationVersion();
        return new String[] {"leo " + (v == null ? "development" : v)};
    }
}
