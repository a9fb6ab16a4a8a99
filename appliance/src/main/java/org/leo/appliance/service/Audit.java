package org.leo.appliance.service;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import org.leo.attest.log.AttestationLog;
import org.leo.attest.log.LogEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator audit trail: every login (and refused login) and every action taken through the API, as a hash-chained
 * log in DATA-DIR/{@value #FILE} (the attestation log's format: {@code leo attest log verify --log} checks it), written
 * before the action's answer is sent, and as a log line.
 */
public final class Audit implements AutoCloseable {
    public static final String FILE = "audit.db";
    private static final Logger LOG = LoggerFactory.getLogger("org.leo.audit");

    private final AttestationLog log;

    private Audit(AttestationLog log) {
        this.log = log;
    }

    public static Audit open(Path dataDir) throws SQLException {
        return new Audit(AttestationLog.open(dataDir.resolve(FILE)));
    }

    /**
     * Records that {@code user} (from {@code remote}) did {@code action} on {@code target} ("appliance" when it is not
     * about one HPC), with its outcome; durable before it returns.
     */
    public org.leo.attest.log.ChainedEntry record(String user, String remote, String action, String target, String outcome) {
        String sentence = "operator " + user + " " + action + (target.equals("appliance") ? "" : " " + target) + ": " + outcome;
        LOG.info("AUDIT {} (from {})", sentence, remote);
        return log.appendDurably(new LogEntry(Instant.now(), target, LogEntry.Kind.ACTION, "INFO", "audit." + action, sentence,
                "user=" + user + "\nremote=" + remote + "\noutcome=" + outcome));
    }

    public AttestationLog log() {
        return log;
    }

    @Override
    public void close() throws SQLException {
        log.close();
    }
}
