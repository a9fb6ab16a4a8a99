// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

/// @title The Leo fleet's ledger on an EVM chain
/// @notice The same hash-chained log of records as the embedded ledger (org.leo.consensus.ledger), byte
/// for byte: entry n's hash is sha256("leo-ledger-v1" || uint64 n || uint8 type || uint32 body length ||
/// body || hash of entry n-1), and every entry is an Appended event carrying seq, type, body and hash.
/// Beside the log it keeps the state the records imply: members (verdict key => VRF key, credit),
/// reference values per HPC, the one certificate of each round, and credit, which only append() changes,
/// by the rules below (mirrored in Java by LedgerRules).
///
/// Several appliances append at once: append() takes only the record; this contract assigns the next seq
/// and computes the hash itself, so the transactions of one block become consecutive entries in the
/// block's order, none refused for having named a seq another took. Each appliance reads its entry back
/// from the Appended event of its receipt and checks the hash against its own replay of the chain.
///
/// Who may do what: the deployer is the owner, for ever (no transfer); it admits and removes appliance
/// accounts and is the first of them. Only admitted appliance accounts append. Nobody else writes.
///
/// Credit is not a token: it is keyed by a member's verdict key, not by an account; there is no
/// transfer, approve or mint function, no fallback and no receive; the only writes to it are in
/// append(), where a certificate adds 1 to each member that signed it, recorded equivocation takes half
/// (at least 10), and a credit change may only take 1 for a verdict against a recorded certificate.
///
/// Not checked here: Ed25519 signatures and VRF proofs (the EVM has no Ed25519 precompile). A verifier
/// re-verifies every certificate and every piece of evidence from the event data; this contract checks
/// the structure of each record, so every accepted body decodes in Java (LedgerCodec).
///
/// One certificate per round: a round (HPC, round number and the ledger head it was drawn from) that has a
/// certificate gets no other, of either outcome, so neither a partition nor a restarted collector can
/// record two.
contract LeoLedger {
    /// The chain's domain tag, and what a client checks before it trusts this address.
    string public constant VERSION = "leo-ledger-v1";

    uint8 internal constant MEMBER_ADMITTED = 1;
    uint8 internal constant REFERENCE_VALUES = 2;
    uint8 internal constant CERTIFICATE_RECORDED = 3;
    uint8 internal constant EQUIVOCATION_RECORDED = 4;
    uint8 internal constant CREDIT_CHANGED = 5;
    uint8 internal constant SERVICE_PUBLISHED = 6;
    uint8 internal constant TASK_SUBMITTED = 7;
    uint8 internal constant GROUP_ELECTED = 8;
    uint256 internal constant CLAIM_BYTES = 32 + 4 + 80;
    uint256 internal constant MAX_SERVICE_NAME = 64;
    uint256 internal constant MAX_TASK_CAPSULES = 16;
    uint256 internal constant MAX_TASK_GROUP = 1000;

    /// A body's upper bound. Calldata and event data cost about 24 gas a byte, so 64 KiB is about
    /// 1.6 M gas; it holds a certificate of 250 verdicts (259 bytes each).
    uint256 public constant MAX_BODY_BYTES = 65536;
    /// RoundId: ledger head 32 | HPC MAC 6 | round 8. Verdict.encode(): round | member 32 | votes 4 | VRF proof 80 |
    /// outcome 1 | evidence digest 32 | signature 64: 259 bytes.
    uint256 internal constant MAC_BYTES = 6;
    uint256 internal constant ROUND_BYTES = 32 + MAC_BYTES + 8;
    uint256 internal constant VERDICT_BYTES = ROUND_BYTES + 32 + 4 + 80 + 1 + 32 + 64;
    uint256 internal constant SIGNATURE_BYTES = 64;
    uint256 internal constant MAX_REASON_BYTES = 200;
    uint64 internal constant EQUIVOCATION_MIN_PENALTY = 10;

    struct Member {
        bytes32 vrfKey;
        uint64 credit;
        /// seq of the last certificate that credited it: a member counts once per certificate
        uint64 lastCertificate;
        /// seq of the last certificate a credit change took 1 for: once each, in order
        uint64 lastPenalty;
        bool admitted;
    }

    /// One parsed verdict: what the rules need of it.
    struct VerdictView {
        bytes32 round;
        bytes32 unsigned;
        bytes32 member;
        uint8 outcome;
        uint256 end;
    }

    address public immutable owner;
    /// Where a reader starts looking for Appended events.
    uint256 public immutable deployBlock;
    /// Appliance accounts that may append.
    mapping(address => bool) public admitted;

    uint64 public seq;
    bytes32 public head;

    mapping(bytes32 => Member) internal members;
    bytes32[] internal memberKeys;
    /// keccak256(HPC MAC, 6 bytes) => manifest, measured boot and golden SHA-256
    mapping(bytes32 => bytes32[3]) internal references;
    /// keccak256(HPC MAC 6 bytes, round number 8 bytes) => seq of its certificate, 0 if none: round r of an HPC has one
    /// certificate at most, whatever ledger head it was drawn at (a partition or a collector that restarted cannot add one)
    mapping(bytes32 => uint64) public certificateOfRound;
    /// bit (seq % 256) of word (seq / 256) is set if entry seq is a certificate
    mapping(uint256 => uint256) internal certificateBits;
    /// seq of a ServicePublished entry => its price + 1 (0: no service there)
    mapping(uint64 => uint256) internal servicePricePlusOne;
    /// seq of a TaskSubmitted entry => 1 a task, 2 a task whose group is recorded
    mapping(uint64 => uint8) internal taskState;
    /// keccak256(member, round) => its equivocation in that round is recorded (and punished)
    mapping(bytes32 => bool) internal equivocations;

    event Appended(uint64 indexed seq, uint8 recordType, bytes body, bytes32 hash);
    event AccountAdmitted(address indexed account);
    event AccountRemoved(address indexed account);

    constructor() {
        owner = msg.sender;
        deployBlock = block.number;
        admitted[msg.sender] = true;
        emit AccountAdmitted(msg.sender);
    }

    function admitAccount(address account) external {
        require(msg.sender == owner, "LeoLedger: only the owner admits accounts");
        admitted[account] = true;
        emit AccountAdmitted(account);
    }

    function removeAccount(address account) external {
        require(msg.sender == owner, "LeoLedger: only the owner removes accounts");
        admitted[account] = false;
        emit AccountRemoved(account);
    }

    /// Appends the record as the next entry, s = seq + 1, and applies it; returns s and the entry's hash,
    /// both also in the Appended event. A record the rules refuse reverts with the reason, and nothing is
    /// recorded.
    function append(uint8 recordType, bytes calldata body) external returns (uint64 s, bytes32 hash) {
        require(admitted[msg.sender], "LeoLedger: not an admitted appliance account");
        s = seq + 1;
        require(body.length > 0 && body.length <= MAX_BODY_BYTES, "LeoLedger: body length out of bounds");
        if (recordType == MEMBER_ADMITTED) {
            admitMember(body);
        } else if (recordType == REFERENCE_VALUES) {
            publishReferenceValues(body);
        } else if (recordType == CERTIFICATE_RECORDED) {
            recordCertificate(s, body);
        } else if (recordType == EQUIVOCATION_RECORDED) {
            recordEquivocation(body);
        } else if (recordType == CREDIT_CHANGED) {
            changeCredit(s, body);
        } else if (recordType == SERVICE_PUBLISHED) {
            publishService(s, body);
        } else if (recordType == TASK_SUBMITTED) {
            submitTask(s, body);
        } else if (recordType == GROUP_ELECTED) {
            electGroup(body);
        } else {
            revert("LeoLedger: unknown record type");
        }
        hash = sha256(abi.encodePacked(VERSION, s, recordType, uint32(body.length), body, head));
        seq = s;
        head = hash;
        emit Appended(s, recordType, body, hash);
    }

    // ServicePublished: author 32 | image sha256 32 | code capsule sha256 32 | price int64 >= 0 | name length 1 | name | signature 64;
    // the author is a member; the signature is a reader's to check (Ed25519, as for certificates)
    function publishService(uint64 s, bytes calldata body) internal {
        require(body.length >= 169, "LeoLedger: truncated record");
        uint256 n = uint8(body[104]);
        require(n > 0 && n <= MAX_SERVICE_NAME && body.length == 169 + n, "LeoLedger: malformed service");
        requirePrintable(body[105:105 + n], true);
        require(members[bytes32(body[0:32])].admitted, "LeoLedger: service by a non-member");
        uint64 price = uint64(bytes8(body[96:104]));
        require(price < 1 << 63, "LeoLedger: negative price");
        servicePricePlusOne[s] = uint256(price) + 1;
    }

    // TaskSubmitted: owner 32 | service seq 8 | group 2 | min executor credit 8 | min monitor credit 8 | payment 8 |
    // capsule count 1 | capsule sha256 32 each | signature 64; the owner is a member, the service is published, and the
    // payment covers the burn (a tenth, at least 1) and the service's price
    function submitTask(uint64 s, bytes calldata body) internal {
        require(body.length >= 131, "LeoLedger: truncated record");
        uint256 n = uint8(body[66]);
        require(n > 0 && n <= MAX_TASK_CAPSULES && body.length == 131 + 32 * n, "LeoLedger: malformed task");
        require(members[bytes32(body[0:32])].admitted, "LeoLedger: task by a non-member");
        uint256 group = uint16(bytes2(body[40:42]));
        require(group > 0 && group <= MAX_TASK_GROUP, "LeoLedger: malformed task");
        uint64 minExecutor = uint64(bytes8(body[42:50]));
        uint64 minMonitor = uint64(bytes8(body[50:58]));
        uint64 payment = uint64(bytes8(body[58:66]));
        require(minExecutor < 1 << 63 && minMonitor < 1 << 63 && payment < 1 << 63, "LeoLedger: malformed task");
        uint256 pricePlusOne = servicePricePlusOne[uint64(bytes8(body[32:40]))];
        require(pricePlusOne != 0, "LeoLedger: not a published service");
        uint256 burn = payment == 0 ? 0 : (payment / 10 == 0 ? 1 : payment / 10);
        require(uint256(payment) >= burn + pricePlusOne - 1, "LeoLedger: the payment does not cover the burn and the price");
        taskState[s] = 1;
    }

    // GroupElected: task seq 8 | claim count 2 | (member 32 | votes uint32 | VRF proof 80)* in ascending member order; once
    // per task, every claimant a member (the proofs are a reader's to check, as certificates' signatures)
    function electGroup(bytes calldata body) internal {
        require(body.length >= 10, "LeoLedger: truncated record");
        uint64 task = uint64(bytes8(body[0:8]));
        uint256 n = uint16(bytes2(body[8:10]));
        require(n > 0 && n <= MAX_TASK_GROUP * 4 && body.length == 10 + n * CLAIM_BYTES, "LeoLedger: malformed group");
        require(taskState[task] != 0, "LeoLedger: not a task");
        require(taskState[task] == 1, "LeoLedger: the task already has its group");
        bytes32 previous;
        for (uint256 i = 0; i < n; ++i) {
            uint256 p = 10 + i * CLAIM_BYTES;
            bytes32 claimant = bytes32(body[p:p + 32]);
            require(i == 0 || uint256(claimant) > uint256(previous), "LeoLedger: claims out of order");
            uint32 votes = uint32(bytes4(body[p + 32:p + 36]));
            require(votes > 0 && votes < 1 << 31, "LeoLedger: votes out of range");
            require(members[claimant].admitted, "LeoLedger: a claim by a non-member");
            previous = claimant;
        }
        taskState[task] = 2;
    }

    // MemberAdmitted: member key 32 | VRF key 32 | credit int64 >= 0
    function admitMember(bytes calldata body) internal {
        require(body.length == 72, "LeoLedger: member admission is 72 bytes");
        bytes32 key = bytes32(body[0:32]);
        uint64 credit = uint64(bytes8(body[64:72]));
        require(credit < 1 << 63, "LeoLedger: negative credit");
        Member storage m = members[key];
        require(!m.admitted, "LeoLedger: member already admitted");
        m.vrfKey = bytes32(body[32:64]);
        m.credit = credit;
        m.admitted = true;
        memberKeys.push(key);
    }

    // ReferenceValues: HPC MAC 6 | manifest 32 | measured boot 32 | golden 32
    function publishReferenceValues(bytes calldata body) internal {
        require(body.length == MAC_BYTES + 96, "LeoLedger: malformed reference values");
        bytes32[3] storage r = references[keccak256(body[0:MAC_BYTES])];
        r[0] = bytes32(body[MAC_BYTES:MAC_BYTES + 32]);
        r[1] = bytes32(body[MAC_BYTES + 32:MAC_BYTES + 64]);
        r[2] = bytes32(body[MAC_BYTES + 64:MAC_BYTES + 96]);
    }

    // CertificateRecorded: count 2 | (length 2 | verdict)*; every signer is a member, once, of one round and outcome;
    // the round has no certificate yet
    function recordCertificate(uint64 s, bytes calldata body) internal {
        require(body.length >= 2, "LeoLedger: truncated record");
        uint256 n = uint16(bytes2(body[0:2]));
        require(n > 0, "LeoLedger: certificate without verdicts");
        uint256 offset = 2;
        bytes32 round;
        bytes32 slot;
        uint8 outcome;
        for (uint256 i = 0; i < n; ++i) {
            VerdictView memory v = verdictAt(body, offset);
            if (i == 0) {
                round = v.round;
                outcome = v.outcome;
                // HPC MAC and round number: the round whatever head it was drawn at (after the length and the head)
                slot = keccak256(body[offset + 2 + 32:offset + 2 + ROUND_BYTES]);
                require(certificateOfRound[slot] == 0, "LeoLedger: round already has a certificate");
            } else {
                require(v.round == round && v.outcome == outcome, "LeoLedger: verdicts of different rounds or outcomes");
            }
            offset = v.end;
            Member storage m = members[v.member];
            require(m.admitted, "LeoLedger: verdict by a non-member");
            require(m.lastCertificate != s, "LeoLedger: member signed twice");
            m.lastCertificate = s;
            m.credit += 1;
        }
        require(offset == body.length, "LeoLedger: trailing bytes");
        certificateOfRound[slot] = s;
        certificateBits[s >> 8] |= 1 << (s & 255);
    }

    // EquivocationRecorded: count 2 (= 2) | two verdicts of one member and round that differ
    function recordEquivocation(bytes calldata body) internal {
        require(body.length >= 2 && uint16(bytes2(body[0:2])) == 2, "LeoLedger: equivocation needs 2 verdicts");
        VerdictView memory a = verdictAt(body, 2);
        VerdictView memory b = verdictAt(body, a.end);
        require(b.end == body.length, "LeoLedger: trailing bytes");
        require(a.member == b.member && a.round == b.round && a.unsigned != b.unsigned, "LeoLedger: the verdicts do not conflict");
        Member storage m = members[a.member];
        require(m.admitted, "LeoLedger: equivocation by a non-member");
        bytes32 key = keccak256(abi.encodePacked(a.member, a.round));
        require(!equivocations[key], "LeoLedger: equivocation already recorded");
        equivocations[key] = true;
        uint64 half = m.credit / 2;
        uint64 penalty = half > EQUIVOCATION_MIN_PENALTY ? half : EQUIVOCATION_MIN_PENALTY;
        m.credit = m.credit > penalty ? m.credit - penalty : 0;
    }

    // CreditChanged: member 32 | delta int64 | because-of seq int64 | reason length 2 | reason
    function changeCredit(uint64 s, bytes calldata body) internal {
        require(body.length >= 50, "LeoLedger: truncated record");
        uint256 n = uint16(bytes2(body[48:50]));
        require(n > 0 && n <= MAX_REASON_BYTES && body.length == 50 + n, "LeoLedger: malformed credit change");
        requirePrintable(body[50:], true);
        require(bytes8(body[32:40]) == bytes8(type(uint64).max), "LeoLedger: credit accrues only through certificates");
        uint64 because = uint64(bytes8(body[40:48]));
        require(because < s && certificateBits[because >> 8] & (1 << (because & 255)) != 0,
            "LeoLedger: a credit change follows a recorded certificate");
        Member storage m = members[bytes32(body[0:32])];
        require(m.admitted, "LeoLedger: credit change for a non-member");
        require(because > m.lastPenalty, "LeoLedger: already changed for this or a later certificate");
        m.lastPenalty = because;
        if (m.credit > 0) {
            m.credit -= 1;
        }
    }

    /// The verdict whose 2-byte length is at body[offset:]: its round key, its digest without the signature,
    /// its member and outcome, and where it ends. Checks what Verdict.decode checks except the signature.
    function verdictAt(bytes calldata body, uint256 offset) internal pure returns (VerdictView memory v) {
        require(body.length >= offset + 2, "LeoLedger: truncated record");
        uint256 length = uint16(bytes2(body[offset:offset + 2]));
        offset += 2;
        require(body.length >= offset + length, "LeoLedger: truncated verdict");
        require(length == VERDICT_BYTES, "LeoLedger: malformed verdict");
        bytes calldata verdict = body[offset:offset + length];
        uint256 p = ROUND_BYTES; // after head, HPC MAC and round number
        v.round = keccak256(verdict[0:p]);
        v.member = bytes32(verdict[p:p + 32]);
        uint32 votes = uint32(bytes4(verdict[p + 32:p + 36]));
        require(votes > 0 && votes < 1 << 31, "LeoLedger: votes out of range");
        v.outcome = uint8(verdict[p + 116]);
        require(v.outcome == 1 || v.outcome == 2, "LeoLedger: outcome is neither 1 nor 2");
        v.unsigned = keccak256(verdict[0:length - SIGNATURE_BYTES]);
        v.end = offset + length;
    }

    /// Printable ASCII (0x21..0x7e, and 0x20 if spaces are allowed): what Java re-encodes byte for byte.
    function requirePrintable(bytes calldata s, bool spaces) internal pure {
        for (uint256 i = 0; i < s.length; ++i) {
            bytes1 c = s[i];
            require((c > 0x20 && c < 0x7f) || (spaces && c == 0x20), "LeoLedger: not printable ASCII");
        }
    }

    function member(bytes32 key) external view returns (bytes32 vrfKey, uint64 credit, bool isMember) {
        Member storage m = members[key];
        return (m.vrfKey, m.credit, m.admitted);
    }

    function memberCount() external view returns (uint256) {
        return memberKeys.length;
    }

    /// Up to limit members from index from on, in admission order, with their credit.
    function credits(uint256 from, uint256 limit) external view returns (bytes32[] memory keys, uint64[] memory amounts) {
        uint256 end = from + limit < memberKeys.length ? from + limit : memberKeys.length;
        uint256 n = end > from ? end - from : 0;
        keys = new bytes32[](n);
        amounts = new uint64[](n);
        for (uint256 i = 0; i < n; ++i) {
            keys[i] = memberKeys[from + i];
            amounts[i] = members[keys[i]].credit;
        }
    }

    function referenceValues(bytes calldata hpc) external view returns (bytes32 manifest, bytes32 measuredBoot, bytes32 golden) {
        bytes32[3] storage r = references[keccak256(hpc)];
        return (r[0], r[1], r[2]);
    }
}
