package org.leo.protocol.tpm;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;

/**
 * A parsed TPMT_PUBLIC of an RSA or ECC key (TPM 2.0 Part 2, 12.2.4), read from untrusted bytes
 * with a cap on every length, with its Name (Part 1, 16: nameAlg || H_nameAlg(TPMT_PUBLIC)) and its
 * JCA form. Keyed-hash and symmetric objects are refused: attestation and endorsement keys are
 * asymmetric. What the attributes and parameters mean is judged by {@link AkPublic} and
 * {@link EkPublic}.
 *
 * @param publicArea the marshalled TPMT_PUBLIC exactly as received (its hash is the Name)
 * @param symmetric  TPMT_SYM_DEF_OBJECT algorithm ({@link #ALG_NULL} when none), with
 *                   {@code symmetricBits} and {@code symmetricMode} (0 when none)
 * @param scheme     the key's TPMT_RSA_SCHEME / TPMT_ECC_SCHEME, with {@code schemeHash} (0 when none)
 * @param keyBits    RSA modulus size in bits, or 0 for ECC
 * @param exponent   RSA exponent as marshalled (0 means 65537), or 0 for ECC
 * @param curve      TPM_ECC_CURVE, or 0 for RSA
 * @param unique     RSA modulus, or the ECC point's x coordinate
 * @param y          the ECC point's y coordinate, or empty for RSA
 */
record TpmPublic(byte[] publicArea, int type, int nameAlg, long attributes, byte[] authPolicy, int symmetric,
                 int symmetricBits, int symmetricMode, int scheme, int schemeHash, int keyBits, long exponent,
                 int curve, int kdf, byte[] unique, byte[] y) {
    static final int TYPE_RSA = 0x0001;
    static final int TYPE_ECC = 0x0023;
    static final int ALG_NULL = 0x0010;
    static final int ALG_AES = 0x0006;
    static final int ALG_CFB = 0x0043;
    static final int SHA1 = 0x0004;
    static final int SHA384 = 0x000C;
    static final int SHA512 = 0x000D;
    static final int ECDAA = 0x001A;
    static final int RSAES = 0x0015;
    static final int CURVE_P256 = 0x0003;
    static final int CURVE_P384 = 0x0004;

    /** An RSA-4096 key with a SHA-512 policy marshals to about 600 bytes; TPM2B_PUBLIC rarely exceeds this. */
    static final int MAX_PUBLIC_BYTES = 1024;
    /** TPM2B_DIGEST authPolicy: at most a SHA-512 digest. */
    static final int MAX_POLICY_BYTES = 64;
    /** TPM2B_PUBLIC_KEY_RSA: MAX_RSA_KEY_BYTES of a 4096-bit TPM. */
    static final int MAX_RSA_BYTES = 512;
    /** TPM2B_ECC_PARAMETER: MAX_ECC_KEY_BYTES of a TPM with P-521. */
    static final int MAX_ECC_BYTES = 66;

    // TPMA_OBJECT bits (Part 2, 8.3)
    static final long FIXED_TPM = 1L << 1;
    static final long FIXED_PARENT = 1L << 4;
    static final long SENSITIVE_DATA_ORIGIN = 1L << 5;
    static final long USER_WITH_AUTH = 1L << 6;
    static final long ADMIN_WITH_POLICY = 1L << 7;
    static final long RESTRICTED = 1L << 16;
    static final long DECRYPT = 1L << 17;
    static final long SIGN = 1L << 18;

    private static final String STRUCTURE = "TPMT_PUBLIC";

    /** Parses {@code bytes}, all of which must be one TPMT_PUBLIC of an RSA or ECC key. */
    static TpmPublic parse(byte[] bytes) throws TpmFormatException {
        if (bytes.length > MAX_PUBLIC_BYTES) {
            throw new TpmFormatException(STRUCTURE + " is " + bytes.length + " bytes, more than the " + MAX_PUBLIC_BYTES + " accepted");
        }
        TpmWireReader r = new TpmWireReader(STRUCTURE, bytes);
        int type = r.u16("type");
        if (type != TYPE_RSA && type != TYPE_ECC) {
            throw new TpmFormatException(STRUCTURE + " type is " + TpmAlgorithms.name(type) + ", expected rsa or ecc");
        }
        int nameAlg = r.u16("nameAlg");
        if (digestLength(nameAlg) < 0) {
            throw new TpmFormatException(STRUCTURE + " nameAlg is " + TpmAlgorithms.name(nameAlg) + ", expected sha256, sha384 or sha512");
        }
        long attributes = r.u32("objectAttributes");
        byte[] authPolicy = r.sized("authPolicy", MAX_POLICY_BYTES);
        int symmetric = r.u16("parameters.symmetric.algorithm");
        int symmetricBits = 0;
        int symmetricMode = 0;
        if (symmetric != ALG_NULL) {
            symmetricBits = r.u16("parameters.symmetric.keyBits");
            symmetricMode = r.u16("parameters.symmetric.mode");
        }
        int scheme = r.u16("parameters.scheme.scheme");
        int schemeHash = 0;
        if (scheme != ALG_NULL && scheme != RSAES) { // every other scheme's details start with a hashAlg
            schemeHash = r.u16("parameters.scheme.details.hashAlg");
            if (scheme == ECDAA) {
                r.u16("parameters.scheme.details.count");
            }
        }
        if (type == TYPE_RSA) {
            int keyBits = r.u16("parameters.keyBits");
            long exponent = r.u32("parameters.exponent");
            byte[] modulus = r.sized("unique.rsa", MAX_RSA_BYTES);
            r.end("unique.rsa");
            if (modulus.length * 8 != keyBits) {
                throw new TpmFormatException(STRUCTURE + " unique.rsa has " + modulus.length + " bytes, expected "
                        + keyBits / 8 + " for a " + keyBits + "-bit key");
            }
            return new TpmPublic(bytes.clone(), type, nameAlg, attributes, authPolicy, symmetric, symmetricBits, symmetricMode,
                    scheme, schemeHash, keyBits, exponent, 0, 0, modulus, new byte[0]);
        }
        int curve = r.u16("parameters.curveID");
        int kdf = r.u16("parameters.kdf.scheme");
        if (kdf != ALG_NULL) {
            r.u16("parameters.kdf.details.hashAlg");
        }
        byte[] x = r.sized("unique.ecc.x", MAX_ECC_BYTES);
        byte[] y = r.sized("unique.ecc.y", MAX_ECC_BYTES);
        r.end("unique.ecc.y");
        return new TpmPublic(bytes.clone(), type, nameAlg, attributes, authPolicy, symmetric, symmetricBits, symmetricMode,
                scheme, schemeHash, 0, 0, curve, kdf, x, y);
    }

    /** The object's Name: nameAlg (UINT16, big-endian) followed by H_nameAlg(publicArea). */
    byte[] name() {
        byte[] digest = hash(nameAlg, publicArea);
        byte[] name = new byte[2 + digest.length];
        name[0] = (byte) (nameAlg >> 8);
        name[1] = (byte) nameAlg;
        System.arraycopy(digest, 0, name, 2, digest.length);
        return name;
    }

    /**
     * The key as JCA sees it: RSA with exponent 0 read as 65537 (Part 2, 12.2.3.5), or an ECC point
     * on NIST P-256 or P-384 that is checked to lie on the curve.
     */
    PublicKey toJca() throws TpmFormatException {
        try {
            if (type == TYPE_RSA) {
                BigInteger e = BigInteger.valueOf(exponent == 0 ? 65537 : exponent);
                return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(new BigInteger(1, unique), e));
            }
            String curveName = switch (curve) {
                case CURVE_P256 -> "secp256r1";
                case CURVE_P384 -> "secp384r1";
                default -> throw new TpmFormatException(String.format(STRUCTURE + " curveID is 0x%04x, expected NIST P-256 (0x0003) or P-384 (0x0004)", curve));
            };
            AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
            params.init(new ECGenParameterSpec(curveName));
            ECParameterSpec spec = params.getParameterSpec(ECParameterSpec.class);
            int coordinateBytes = (spec.getCurve().getField().getFieldSize() + 7) / 8;
            if (unique.length == 0 || unique.length > coordinateBytes || y.length == 0 || y.length > coordinateBytes) {
                throw new TpmFormatException(STRUCTURE + " unique.ecc has " + unique.length + "- and " + y.length
                        + "-byte coordinates, expected 1.." + coordinateBytes + " for " + curveName);
            }
            ECPoint w = new ECPoint(new BigInteger(1, unique), new BigInteger(1, y));
            if (!onCurve(w, spec)) {
                throw new TpmFormatException(STRUCTURE + " unique.ecc is not a point on " + curveName);
            }
            return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, spec));
        } catch (GeneralSecurityException e) {
            throw new TpmFormatException(STRUCTURE + " does not hold a valid public key: " + e.getMessage());
        }
    }

    /** y^2 == x^3 + ax + b (mod p), with both coordinates below p. */
    private static boolean onCurve(ECPoint w, ECParameterSpec spec) {
        BigInteger p = ((ECFieldFp) spec.getCurve().getField()).getP();
        BigInteger x = w.getAffineX();
        BigInteger y = w.getAffineY();
        if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
            return false;
        }
        BigInteger right = x.pow(3).add(spec.getCurve().getA().multiply(x)).add(spec.getCurve().getB()).mod(p);
        return y.pow(2).mod(p).equals(right);
    }

    /** Digest size of a TPM hash algorithm we accept as nameAlg, or -1. */
    static int digestLength(int hashAlg) {
        return switch (hashAlg) {
            case TpmAlgorithms.SHA256 -> 32;
            case SHA384 -> 48;
            case SHA512 -> 64;
            default -> -1;
        };
    }

    static String jcaDigest(int hashAlg) {
        return switch (hashAlg) {
            case TpmAlgorithms.SHA256 -> "SHA-256";
            case SHA384 -> "SHA-384";
            case SHA512 -> "SHA-512";
            default -> throw new IllegalArgumentException("not a hash we accept: " + TpmAlgorithms.name(hashAlg));
        };
    }

    static byte[] hash(int hashAlg, byte[] data) {
        try {
            return MessageDigest.getInstance(jcaDigest(hashAlg)).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has " + jcaDigest(hashAlg), e);
        }
    }

    @Override
    public byte[] publicArea() {
        return publicArea.clone();
    }

    @Override
    public byte[] authPolicy() {
        return authPolicy.clone();
    }

    @Override
    public byte[] unique() {
        return unique.clone();
    }

    @Override
    public byte[] y() {
        return y.clone();
    }
}
