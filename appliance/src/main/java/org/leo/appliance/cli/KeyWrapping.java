package org.leo.appliance.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.leo.consensus.fleet.FleetAppliance;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.TpmEndpoint;
import org.leo.protocol.tpm.TpmException;
import org.leo.protocol.tpm.TpmFormatException;
import org.leo.protocol.tpm.WrapKey;
import org.leo.protocol.tpm.WrapKeyFile;
import picocli.CommandLine.Option;

/**
 * What a seal ({@code leo capsule seal}, {@code leo service publish}, {@code leo task submit}) wraps the capsule's AES
 * key to: the wrap key of the Pi's TPM, read from the TPM ({@code --tpm}) or from the file the running Pi writes
 * ({@code --wrap-key}, {@link WrapKeyFile}). The key file is the same either way ('wrap-key FINGERPRINT' and
 * 'wrapped-key HEX'), so the Pi releases it the same way. A command declares it as
 * {@code @ArgGroup(exclusive = true, multiplicity = "0..1") KeyWrapping wrapping}: giving both is an invalid option (exit
 * 2), and neither leaves the field null, which means the key in clear.
 */
final class KeyWrapping {
    @Option(names = "--tpm", paramLabel = "ENDPOINT", required = true,
            description = "The Pi's TPM (device:/dev/tpmrm0, or swtpm:HOST:PORT), whose wrap key the AES key is wrapped to. "
                    + "Default, with neither --tpm nor --wrap-key: the key in clear (a lab without a TPM; never released).")
    String tpm;

    @Option(names = "--wrap-key", paramLabel = "FILE", required = true,
            description = "Instead of --tpm: wrap the AES key to the wrap key in FILE, without opening any TPM. FILE is the public half "
                    + "of the Pi's TPM wrap key, which 'leo pxe serve --fleet' (and 'leo fleet identity') write to DATA-DIR/"
                    + FleetAppliance.CAPSULE_WRAP_KEY + " and log the fingerprint of. Use it to seal while the Pi's service holds "
                    + "the TPM, or on another machine (copy the file, and compare its fingerprint with the Pi's log). A file that "
                    + "is not the wrap key template's key (another TPM key, altered bytes) is refused.")
    Path wrapKeyFile;

    /** The wrap key, or null after saying why not on standard error as {@code command}. */
    WrapKey wrapKey(String command) {
        if (tpm != null) {
            try (Tpm piTpm = Tpm.open(TpmEndpoint.parse(tpm))) {
                return piTpm.wrapKeyPublic();
            } catch (TpmException | IllegalArgumentException e) {
                System.err.println(command + ": the TPM " + tpm + " cannot wrap the key: " + e.getMessage());
                return null;
            }
        }
        try {
            return WrapKeyFile.read(wrapKeyFile);
        } catch (TpmFormatException e) {
            System.err.println(command + ": --wrap-key " + wrapKeyFile + " is not a wrap key file: " + e.getMessage());
        } catch (IOException e) {
            System.err.println(command + ": --wrap-key " + wrapKeyFile + " cannot be read: " + e);
        }
        return null;
    }
}
