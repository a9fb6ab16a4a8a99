package org.leo.consensus.fleet;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.leo.boot.net.MacAddress;
import org.leo.protocol.tpm.EkPublic;
import org.leo.protocol.tpm.EkType;
import org.leo.protocol.tpm.EndorsementKey;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.TpmException;
import org.leo.protocol.tpm.TpmFormatException;

/**
 * A Pi's enrollment token: what {@code leo firstboot} prints on the Pi's console and an operator pastes into the
 * fleet ({@code leo fleet peer --token}), which makes the Pi's line of the peer list from it. It carries, in full,
 * what the peer list pins of a Pi, and the TPM's endorsement key for the operator's records:
 * <pre>
 *   "leo1-" base32( member[32] ak-sha256[32] ek-type[1] ek-sha256[32] ca-sha256[32] check[4] )
 * </pre>
 * base32 is RFC 4648's alphabet in lower case without padding (213 characters; the one spare bit is zero), so the token
 * survives any terminal and case changes; {@code check} is the first 4 bytes of SHA-256 over {@code "leo1-"} and the
 * 129 bytes before it, so a mistyped or cut token is refused rather than read as another Pi. Decoding ignores ASCII
 * case, spaces, tabs, line ends and dashes after the prefix (groups are fine); any other character is refused.
 * <ul>
 * <li>member: the Pi's Ed25519 member key ({@link MemberKeys#member()}: its identity on the ledger);</li>
 * <li>ak-sha256: SHA-256 of its TPM attestation key's SubjectPublicKeyInfo (the peer list's pin);</li>
 * <li>ek-type, ek-sha256: the TPM endorsement key the Pi found (1 RSA 2048, 2 ECC P-256, 3 ECC P-384) and the SHA-256
 * of its SubjectPublicKeyInfo, as {@code leo attest hpc enroll --ek-sha256} pins an HPC's;</li>
 * <li>ca-sha256: SHA-256 of its appliance CA certificate (the peer list's {@code ca=}).</li>
 * </ul>
 * Trust: a token is a claim of whoever printed it; the checksum catches mistakes, not forgeries. What it is worth is
 * the operator's: it was read from the console of the Pi they hold. The fleet then checks the Pi against it (its
 * join quote against the AK, its TLS key against the member key).
 */
public record EnrollmentToken(byte[] member, byte[] akSha256, EkType ekType, byte[] ekSha256, byte[] caSha256) {
    public static final String PREFIX = "leo1-";
    static final int KEY = 32;
    static final int CHECK = 4;
    /** The bytes a token encodes: four 32-byte values, the EK type, the check. */
    static final int BYTES = 4 * KEY + 1 + CHECK;
    /** base32 characters of {@link #BYTES} bytes. */
    public static final int CHARS = (BYTES * 8 + 4) / 5;
    /** Longest input {@link #decode} looks at (grouping dashes and white space included). */
    static final int MAX_INPUT = 1024;
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
    private static final List<EkType> EK_CODES = List.of(EkType.RSA_2048, EkType.ECC_P256, EkType.ECC_P384);

    public EnrollmentToken {
        member = checked(member, "member key");
        akSha256 = checked(akSha256, "AK SHA-256");
        ekSha256 = checked(ekSha256, "EK SHA-256");
        caSha256 = checked(caSha256, "CA SHA-256");
        if (!EK_CODES.contains(ekType)) {
            throw new IllegalArgumentException("EK type " + ekType);
        }
    }

    private static byte[] checked(byte[] b, String what) {
        if (b.length != KEY) {
            throw new IllegalArgumentException(what + ": expected " + KEY + " bytes, got " + b.length);
        }
        return b.clone();
    }

    @Override
    public byte[] member() {
        return member.clone();
    }

    @Override
    public byte[] akSha256() {
        return akSha256.clone();
    }

    @Override
    public byte[] ekSha256() {
        return ekSha256.clone();
    }

    @Override
    public byte[] caSha256() {
        return caSha256.clone();
    }

    /** The token's text. */
    public String encode() {
        byte[] b = new byte[BYTES];
        System.arraycopy(member, 0, b, 0, KEY);
        System.arraycopy(akSha256, 0, b, KEY, KEY);
        b[2 * KEY] = (byte) (EK_CODES.indexOf(ekType) + 1);
        System.arraycopy(ekSha256, 0, b, 2 * KEY + 1, KEY);
        System.arraycopy(caSha256, 0, b, 3 * KEY + 1, KEY);
        System.arraycopy(check(b), 0, b, BYTES - CHECK, CHECK);
        return PREFIX + base32(b);
    }

    /**
     * Reads a token as an operator pasted it.
     *
     * @throws IllegalArgumentException with a sentence saying what is wrong ("the token's check does not match: ...")
     */
    public static EnrollmentToken decode(String text) {
        if (text.length() > MAX_INPUT) {
            throw new IllegalArgumentException("not an enrollment token: " + text.length() + " characters, a token has " + (PREFIX.length() + CHARS));
        }
        String t = text.strip();
        if (t.length() < PREFIX.length() || !asciiLower(t.substring(0, PREFIX.length())).equals(PREFIX)) {
            throw new IllegalArgumentException("not an enrollment token: it does not start with '" + PREFIX + "'");
        }
        StringBuilder body = new StringBuilder(CHARS);
        for (int i = PREFIX.length(); i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == '-' || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                continue;
            }
            char lower = asciiLower(c);
            if (ALPHABET.indexOf(lower) < 0) {
                throw new IllegalArgumentException("the token has '" + (c < 0x20 || c > 0x7e ? "\\u" + String.format("%04x", (int) c) : c)
                        + "' at position " + (i + 1) + ", which is not in its alphabet (a-z, 2-7)");
            }
            body.append(lower);
        }
        if (body.length() != CHARS) {
            throw new IllegalArgumentException("the token has " + body.length() + " characters after '" + PREFIX + "', expected " + CHARS
                    + " (was it cut?)");
        }
        byte[] b = unbase32(body);
        byte[] check = check(b);
        if (!MessageDigest.isEqual(Arrays.copyOfRange(b, BYTES - CHECK, BYTES), check)) {
            throw new IllegalArgumentException("the token's check does not match: a character was mistyped");
        }
        int ek = b[2 * KEY];
        if (ek < 1 || ek > EK_CODES.size()) {
            throw new IllegalArgumentException("the token names EK type " + ek + ", which this leo does not know");
        }
        return new EnrollmentToken(Arrays.copyOfRange(b, 0, KEY), Arrays.copyOfRange(b, KEY, 2 * KEY), EK_CODES.get(ek - 1),
                Arrays.copyOfRange(b, 2 * KEY + 1, 3 * KEY + 1), Arrays.copyOfRange(b, 3 * KEY + 1, 4 * KEY + 1));
    }

    /**
     * The TPM endorsement key a token names.
     *
     * @param certified whether the manufacturer's certificate for it is in the TPM's NV (and matches it)
     */
    public record Endorsement(EkType type, byte[] sha256, boolean certified) {
        public Endorsement {
            sha256 = checked(sha256, "EK SHA-256");
        }

        @Override
        public byte[] sha256() {
            return sha256.clone();
        }
    }

    /** The Pi's EK order: ECC first (a hardware TPM derives an RSA primary key in seconds), then RSA (what swtpm_setup certifies). */
    static final List<EkType> PI_EK_ORDER = List.of(EkType.ECC_P256, EkType.RSA_2048, EkType.ECC_P384);

    /**
     * The Pi's endorsement key for its token: the first of {@link #PI_EK_ORDER} whose manufacturer certificate is in NV,
     * else the ECC P-256 key derived from the endorsement seed, uncertified (a swtpm that was not manufactured with
     * swtpm_setup). The same TPM gives the same answer every time: the keys derive from its seeds.
     */
    public static Endorsement endorsementOf(Tpm tpm) throws TpmException {
        for (EkType type : PI_EK_ORDER) {
            EndorsementKey ek;
            try {
                ek = tpm.endorsementKey(type);
            } catch (TpmException noCertificate) {
                continue;
            }
            return new Endorsement(type, sha256(ek.publicKey().getEncoded()), true);
        }
        try {
            return new Endorsement(EkType.ECC_P256, sha256(EkPublic.parse(tpm.ekPublicArea(EkType.ECC_P256)).publicKey().getEncoded()), false);
        } catch (TpmFormatException e) {
            throw new TpmException("the TPM's ECC P-256 endorsement key does not parse: " + e.getMessage(), e);
        }
    }

    private static char asciiLower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }

    /** Lower case for ASCII letters only: no other character may become one (a Kelvin sign is not a k). */
    private static String asciiLower(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            b.append(asciiLower(s.charAt(i)));
        }
        return b.toString();
    }

    /** This Pi's line of the peer list, reached at {@code host:port}, serving {@code hpcs}. */
    public PeerList.Peer toPeer(String host, int port, List<MacAddress> hpcs) {
        return new PeerList.Peer(member, host, port, akSha256, Optional.of(caSha256), hpcs);
    }

    public String memberHex() {
        return HexFormat.of().formatHex(member);
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static byte[] check(byte[] b) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(PREFIX.getBytes(StandardCharsets.US_ASCII));
            md.update(b, 0, BYTES - CHECK);
            return Arrays.copyOf(md.digest(), CHECK);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** RFC 4648 base32 of {@code b}, lower case, unpadded (the spare bits of the last character zero). */
    static String base32(byte[] b) {
        StringBuilder out = new StringBuilder(CHARS);
        int buffer = 0;
        int bits = 0;
        for (byte x : b) {
            buffer = (buffer << 8) | (x & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(ALPHABET.charAt((buffer >>> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(ALPHABET.charAt((buffer << (5 - bits)) & 31));
        }
        return out.toString();
    }

    /** {@link #BYTES} bytes from exactly {@link #CHARS} alphabet characters; the spare bits must be zero. */
    private static byte[] unbase32(CharSequence s) {
        byte[] out = new byte[BYTES];
        int buffer = 0;
        int bits = 0;
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            buffer = (buffer << 5) | ALPHABET.indexOf(s.charAt(i));
            bits += 5;
            if (bits >= 8) {
                out[n++] = (byte) (buffer >>> (bits - 8));
                bits -= 8;
            }
        }
        if ((buffer & ((1 << bits) - 1)) != 0) {
            throw new IllegalArgumentException("the token's last character is not one a token ends with: a character was mistyped");
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EnrollmentToken t && Arrays.equals(member, t.member) && Arrays.equals(akSha256, t.akSha256) && ekType == t.ekType
                && Arrays.equals(ekSha256, t.ekSha256) && Arrays.equals(caSha256, t.caSha256);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(member) * 31 + Arrays.hashCode(akSha256);
    }

    @Override
    public String toString() {
        return "EnrollmentToken[member " + memberHex().substring(0, 16) + "..]";
    }
}
