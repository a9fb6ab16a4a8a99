package org.leo.consensus.fleet;

/**
 * Why a Pi refused a peer, a connection or a request, beyond the reasons a {@code QuorumCollector}
 * gives for a verdict (those keep their own names: {@code BAD_PROOF}, {@code INFLATED_VOTES},
 * {@code REPLAYED}, ...). A real enum: the Pi that refuses is the one that names the reason. Each is
 * counted as {@code consensus.refused{reason=NAME}} ({@link Refusals}).
 */
public enum FleetRefusal {
    /** TLS: the peer's certificate is not a self-signed Ed25519 member certificate. */
    UNKNOWN_CERTIFICATE("the peer's certificate is not a valid self-signed Ed25519 member certificate"),
    /** TLS: the key is neither an admitted member on the ledger nor listed in the static peer list. */
    NOT_A_MEMBER("the peer's key is neither an admitted member nor in the static peer list"),
    /** TLS, client side: the server's key is not the one the peer list names for the address dialled. */
    WRONG_PEER("the server's key is not the one the peer list names for that address"),
    /** A call without a TLS client certificate. */
    NO_CERTIFICATE("the call carries no verified TLS client certificate"),
    /** A field over its cap, or a message over the transport limit. */
    OVERSIZED("a field or the message is over its cap"),
    /** A request that does not parse (a round id, a key). */
    MALFORMED("the request does not parse"),
    /** Join or Challenge for another member key than the TLS client's. */
    PEER_MISMATCH("the request names another member than the TLS client"),
    /** Join: the member key is not in the static peer list. */
    NOT_LISTED("the member key is not in the static peer list"),
    /** Join: the member is already admitted. */
    ALREADY_ADMITTED("the member is already admitted"),
    /** Join: the VRF proof of possession does not verify under the VRF key. */
    BAD_VRF_KEY("the VRF proof over the join nonce does not verify under the VRF key"),
    /** Join: the attestation key is not one, or not the one the peer list pins for the member. */
    AK_NOT_PINNED("the attestation key is not the one the peer list pins for this member"),
    /** Join: the quote does not verify under the attestation key with the join nonce. */
    BAD_QUOTE("the TPM quote does not verify under the attestation key with the join nonce"),
    /** Challenge or Verdict: the round's ledger head is not on this ledger, or the HPC is not served here. */
    UNKNOWN_ROUND("the round's ledger head is not on this ledger or its HPC is not served by this Pi"),
    /** Challenge or Verdict, on a Pi that follows the fleet's schedule: not the current round, or not drawn at the head of its start. */
    NOT_THIS_ROUND("the round is not the schedule's current one, or is not drawn at the ledger head of its start"),
    /** Verdict: the round was closed and its certificate recorded. */
    ROUND_CLOSED("the round is closed"),
    /** Challenge or Verdict: this Pi already holds the most open rounds it keeps. */
    TOO_MANY_ROUNDS("too many rounds are open on this Pi"),
    /** Challenge or Verdict from the Pi that serves the HPC: it does not judge its own HPC. */
    OWN_HPC("the Pi that serves the HPC does not judge it"),
    /** Challenge: the member challenged this round before. */
    REPEATED_CHALLENGE("the member already challenged the HPC in this round"),
    /** Challenge or Verdict: this Pi could not write its round journal, so it neither opened the round nor counted the verdict. */
    JOURNAL_FAILED("this Pi could not write its round journal: the round did not open or the verdict was not counted"),
    /** Challenge or Verdict for a task round's number that the executor's Pi has not opened (TaskRounds). */
    TASK_ROUND_NOT_OPEN("the task round is not open on this Pi: only the task's executor's Pi opens it"),
    /** Challenge of a task round by a member that is not one of the task's monitors; TaskRoundOpened to a Pi whose member is not one. */
    NOT_A_MONITOR("the member is not one of the task's monitors"),
    /** TaskRoundOpened: the round number is not a task round's. */
    NOT_A_TASK_ROUND("the round number is not a task round's"),
    /** TaskRoundOpened: the named entry is not the task's GroupElected, or its hash is not the round's ledger head. */
    UNKNOWN_TASK_ROUND("the round's group entry is not on this ledger as the task's GroupElected at the round's ledger head"),
    /** TaskRoundOpened: the TLS client is not the group's executor, or the peer list does not name it as the Pi of the round's HPC. */
    NOT_THE_EXECUTOR("the TLS client is not the task's executor serving the round's HPC"),
    /** TaskRoundOpened: this monitor was told of the round before and took part already. */
    REPEATED_NOTICE("the monitor was told of this task round before");

    private final String sentence;

    FleetRefusal(String sentence) {
        this.sentence = sentence;
    }

    public String sentence() {
        return sentence;
    }
}
