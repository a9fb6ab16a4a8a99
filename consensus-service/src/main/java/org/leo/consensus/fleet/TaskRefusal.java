package org.leo.consensus.fleet;

/**
 * Why a Pi refused a task claim, a key release or a capsule fetch (docs/tasks.md "Key release"). A real enum: the Pi
 * that refuses names the reason. Each is counted as {@code consensus.refused{reason=NAME}} ({@link Refusals}), beside
 * the fleet's own reasons ({@link FleetRefusal}: OVERSIZED, PEER_MISMATCH, ...), which these rpcs use too.
 */
public enum TaskRefusal {
    /** Claim or release: the task seq is not a TaskSubmitted entry on this Pi's ledger. */
    UNKNOWN_TASK("the task is not a task entry on this Pi's ledger"),
    /** Claim: the task is not owned by this Pi's member key, so its claims go elsewhere. */
    NOT_TASK_OWNER("this Pi does not own the task"),
    /** Claim: the claim window is not open (over, or the task's group is already recorded). */
    WINDOW_CLOSED("the task's claim window is closed"),
    /** Claim: the claimant is not a member at the task's entry, its proof does not verify or its votes are not the draw's. */
    BAD_CLAIM("the claim's VRF proof does not give its votes at the task's entry"),
    /** Claim: the member claimed before. */
    REPEATED_CLAIM("the member already claimed for this task"),
    /** Release: the group entry is not the task's GroupElected. */
    NO_GROUP("the group entry is not the task's GroupElected"),
    /** Release: the TLS peer is not the elected executor. */
    NOT_EXECUTOR("the TLS peer is not the task's elected executor"),
    /** Release: the capsule is not one of the task's capsules that this Pi owns, or this Pi holds no wrapped key for it. */
    NOT_TASK_CAPSULE("the capsule is not a capsule of the task that this Pi owns and holds the key of"),
    /** Release: the certificate entry is not a TRUSTED certificate of the task's ATTEST round of the executor's HPC at the group. */
    WRONG_CERTIFICATE("the certificate is not a TRUSTED ATTEST certificate of the task's executor HPC drawn at the group"),
    /** Release: a later certificate of the task exists, or this Pi saw the certificate appear longer ago than its bound. */
    STALE_CERTIFICATE("the certificate is not the task's latest or appeared too long ago"),
    /** Release: the certificate's verdicts are not the monitors', with their claims' votes and proofs, signed, over the threshold. */
    BAD_VERDICTS("the certificate's verdicts are not the monitors' TRUSTED quorum"),
    /** Release: the evidence is not one a monitor judged, or not signed by the agent certificate's key. */
    BAD_EVIDENCE("the evidence is not what the monitors judged, signed by the agent certificate's key"),
    /** Release: the agent certificate does not chain to the CA the peer list pins for the executor's Pi, is not valid or names another HPC. */
    BAD_AGENT_CERTIFICATE("the agent certificate does not chain to the executor Pi's pinned CA, is not valid now, or names another HPC"),
    /** Release: the capsule's signed header requires another image than the task's service runs. */
    CAPSULE_IMAGE("the capsule requires another image than the task's service"),
    /** Release: the task's least executor or monitor credit is under what the capsule's signed header requires. */
    CAPSULE_CREDIT("the task's least credits are under the capsule's requirements"),
    /** Release: a data capsule of another member's task that this Pi's owner did not offer for the task's service. */
    NOT_OFFERED("the capsule's owner did not offer it for the task's service"),
    /** Release: this Pi's TPM did not unwrap the key, or sealing failed. */
    RELEASE_FAILED("this Pi could not unwrap or seal the key"),
    /** Fetch: this Pi's store has no capsule at the address. */
    NO_CAPSULE("this Pi's store has no capsule at that address"),
    /** FetchResult: the TLS peer is not the task's owner, nor a data capsule owner this Pi holds a result copy for. */
    NOT_RESULT_OWNER("only the task's owner and its data capsules' owners may fetch its result, each its own copy"),
    /** FetchResult: this Pi holds no result of the task. */
    NO_RESULT("this Pi holds no result of that task"),
    /** FetchImage: this Pi keeps no archive of the image. */
    NO_IMAGE("this Pi keeps no archive of that image"),
    /** Claim, release or fetch on a Pi that does not serve tasks. */
    NO_TASKS("this Pi does not serve tasks");

    private final String sentence;

    TaskRefusal(String sentence) {
        this.sentence = sentence;
    }

    public String sentence() {
        return sentence;
    }
}
