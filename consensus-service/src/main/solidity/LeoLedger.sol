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
/// Tokens (docs/tasks.md "Settlement on the ledgers") are another thing: balances per member key, apart from
/// credit, that only deposit() (payable, 1 token = 1 gwei), withdraw() (by the member's account) and the task records
/// move: TaskSubmitted escrows the payment, TaskSettled pays it out by Settlement.split only with the task's TRUSTED
/// clean-up certificate, TaskExpired refunds it less the burn. Burned tokens stay in the contract; nothing moves them.
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
    uint8 internal constant TOKENS_DEPOSITED = 9;
    uint8 internal constant TOKENS_WITHDRAWN = 10;
    uint8 internal constant TASK_SETTLED = 11;
    uint8 internal constant TASK_EXPIRED = 12;
    uint256 internal constant CLAIM_BYTES = 32 + 4 + 80;
    uint256 internal constant SHARE_BYTES = 32 + 1;
    uint256 internal constant MAX_GROUP_CLAIMS = MAX_TASK_GROUP * 4;
    uint256 internal constant MAX_TASK_EXPIRY = 1 << 24;
    /// Wei per token: deposits are whole tokens, withdrawals pay tokens x TOKEN_WEI.
    uint256 public constant TOKEN_WEI = 1e9;
    uint256 internal constant BURN_DIVISOR = 10;
    /// A task round's number: 2^62 | task seq << 12 | phase << 8 | attempt (TaskRound.java).
    uint64 internal constant TASK_ROUND_MARK = 1 << 62;
    uint8 internal constant PHASE_ATTEST = 1;
    uint8 internal constant PHASE_CLEANUP = 2;
    uint8 internal constant TRUSTED = 1;
    uint8 internal constant UNTRUSTED = 2;
    uint8 internal constant TASK_OPEN = 1;
    uint8 internal constant TASK_SETTLED_STATE = 2;
    uint8 internal constant TASK_EXPIRED_STATE = 3;
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
    struct Service {
        bytes32 author;
        uint64 price;
        bool published;
    }

    /// A task (docs/tasks.md "Settlement on the ledgers"): what its settlement or its expiry needs.
    struct Task {
        bytes32 owner;
        uint64 payment;
        uint64 service;
        uint64 expiresAt;
        /// the entry of its first TRUSTED clean-up certificate, 0 if none
        uint64 cleanUp;
        uint8 state;
        /// an UNTRUSTED certificate of one of its rounds is recorded
        bool executorCaught;
        bytes32 executor;
        /// keccak256 of the group's member keys in the GroupElected record's order; 0 before it
        bytes32 groupKeys;
        /// the GroupElected entry's hash: the ledger head its rounds are drawn at
        bytes32 groupHash;
    }

    /// seq of a ServicePublished entry => its author and price
    mapping(uint64 => Service) internal services;
    /// seq of a TaskSubmitted entry => the task
    mapping(uint64 => Task) internal tasks;
    /// seq of a certificate of a task's round drawn at its group's entry => task seq << 16 | phase << 8 | outcome
    mapping(uint64 => uint256) internal taskCertificates;
    /// keccak256(task seq, member) => a credit change took credit from it for a verdict against one of the task's certificates
    mapping(bytes32 => bool) internal againstTask;

    /// Tokens per member key, apart from credit; and the totals: deposited = balances + escrowed + burned + withdrawn.
    mapping(bytes32 => uint64) public balanceOf;
    /// The account a member withdraws to: the first admitted appliance account that deposited for it.
    mapping(bytes32 => address) public accountOf;
    uint64 public deposited;
    uint64 public escrowed;
    uint64 public burned;
    uint64 public withdrawn;
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
        return appendAs(recordType, body);
    }

    function appendAs(uint8 recordType, bytes calldata body) internal returns (uint64 s, bytes32 hash) {
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
        } else if (recordType == TASK_SETTLED) {
            settleTask(body);
        } else if (recordType == TASK_EXPIRED) {
            expireTask(s, body);
        } else if (recordType == TOKENS_DEPOSITED || recordType == TOKENS_WITHDRAWN) {
            revert("LeoLedger: tokens move only by deposit() and withdraw()");
        } else {
            revert("LeoLedger: unknown record type");
        }
        hash = chain(s, recordType, body);
        if (recordType == GROUP_ELECTED) {
            tasks[uint64(bytes8(body[0:8]))].groupHash = hash;
        }
    }

    function chain(uint64 s, uint8 recordType, bytes memory body) internal returns (bytes32 hash) {
        // entry s: its hash chains from the head, and it becomes the head
        hash = sha256(abi.encodePacked(VERSION, s, recordType, uint32(body.length), body, head));
        seq = s;
        head = hash;
        emit Appended(s, recordType, body, hash);
    }

    /// Credits msg.value / TOKEN_WEI tokens to a member's balance and appends TokensDeposited (member 32 | amount 8 |
    /// account 20). Anyone may fund a member; the first admitted appliance account to deposit for it becomes the account
    /// it withdraws to, named in the record.
    function deposit(bytes32 memberKey) external payable returns (uint64 s, bytes32 hash) {
        require(msg.value > 0 && msg.value % TOKEN_WEI == 0 && msg.value / TOKEN_WEI < 1 << 63,
            "LeoLedger: deposit a whole, positive number of tokens (1 token = 1 gwei)");
        require(members[memberKey].admitted, "LeoLedger: deposit for a non-member");
        uint64 amount = uint64(msg.value / TOKEN_WEI);
        require(uint256(deposited) + amount < 1 << 63, "LeoLedger: fewer than 2^63 tokens in all");
        if (accountOf[memberKey] == address(0) && admitted[msg.sender]) {
            accountOf[memberKey] = msg.sender;
        }
        balanceOf[memberKey] += amount;
        deposited += amount;
        s = seq + 1;
        hash = chain(s, TOKENS_DEPOSITED, abi.encodePacked(memberKey, amount, accountOf[memberKey]));
    }

    /// Pays amount tokens of a member's balance to its account, which alone may call this, and appends TokensWithdrawn.
    function withdraw(bytes32 memberKey, uint64 amount) external returns (uint64 s, bytes32 hash) {
        require(accountOf[memberKey] == msg.sender && admitted[msg.sender], "LeoLedger: not the member's account");
        require(amount > 0 && amount <= balanceOf[memberKey], "LeoLedger: the balance does not cover the withdrawal");
        balanceOf[memberKey] -= amount;
        withdrawn += amount;
        s = seq + 1;
        hash = chain(s, TOKENS_WITHDRAWN, abi.encodePacked(memberKey, amount, msg.sender));
        (bool paid, ) = payable(msg.sender).call{value: uint256(amount) * TOKEN_WEI}("");
        require(paid, "LeoLedger: the account refused the payment");
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
        services[s] = Service(bytes32(body[0:32]), price, true);
    }

    // TaskSubmitted: owner 32 | service seq 8 | group 2 | min executor credit 8 | min monitor credit 8 | payment 8 |
    // expires after 4 | capsule count 1 | capsule sha256 32 each | signature 64; the owner is a member, the service is
    // published, the payment covers the burn (a tenth, at least 1) and the service's price, and the owner's balance covers
    // the payment, which goes into the task's escrow
    function submitTask(uint64 s, bytes calldata body) internal {
        require(body.length >= 135, "LeoLedger: truncated record");
        uint256 n = uint8(body[70]);
        require(n > 0 && n <= MAX_TASK_CAPSULES && body.length == 135 + 32 * n, "LeoLedger: malformed task");
        bytes32 owner_ = bytes32(body[0:32]);
        require(members[owner_].admitted, "LeoLedger: task by a non-member");
        uint256 group = uint16(bytes2(body[40:42]));
        require(group > 0 && group <= MAX_TASK_GROUP, "LeoLedger: malformed task");
        uint64 minExecutor = uint64(bytes8(body[42:50]));
        uint64 minMonitor = uint64(bytes8(body[50:58]));
        uint64 payment = uint64(bytes8(body[58:66]));
        uint32 expiresAfter = uint32(bytes4(body[66:70]));
        require(minExecutor < 1 << 63 && minMonitor < 1 << 63 && payment < 1 << 63 && expiresAfter > 0
            && expiresAfter <= MAX_TASK_EXPIRY, "LeoLedger: malformed task");
        uint64 serviceSeq = uint64(bytes8(body[32:40]));
        Service storage service = services[serviceSeq];
        require(service.published, "LeoLedger: not a published service");
        require(uint256(payment) >= burnOf(payment) + service.price, "LeoLedger: the payment does not cover the burn and the price");
        require(balanceOf[owner_] >= payment, "LeoLedger: the owner's balance does not cover the payment");
        balanceOf[owner_] -= payment;
        escrowed += payment;
        Task storage t = tasks[s];
        t.owner = owner_;
        t.payment = payment;
        t.service = serviceSeq;
        t.expiresAt = s + expiresAfter;
        t.state = TASK_OPEN;
    }

    function burnOf(uint64 payment) internal pure returns (uint64) {
        return payment == 0 ? 0 : (payment / BURN_DIVISOR == 0 ? 1 : uint64(payment / BURN_DIVISOR));
    }

    // GroupElected: task seq 8 | executor 32 | claim count 2 | (member 32 | votes uint32 | VRF proof 80)* in ascending member
    // order; once per open task, every claimant a member, the executor among them, at least one monitor (the proofs, and
    // that this is the elected group, are a reader's to check, as certificates' signatures)
    function electGroup(bytes calldata body) internal {
        require(body.length >= 42, "LeoLedger: truncated record");
        uint64 task = uint64(bytes8(body[0:8]));
        bytes32 executor = bytes32(body[8:40]);
        uint256 n = uint16(bytes2(body[40:42]));
        require(n >= 2 && n <= MAX_GROUP_CLAIMS && body.length == 42 + n * CLAIM_BYTES, "LeoLedger: malformed group");
        Task storage t = tasks[task];
        require(t.state != 0, "LeoLedger: not a task");
        require(t.groupKeys == 0, "LeoLedger: the task already has its group");
        require(t.state == TASK_OPEN, "LeoLedger: the task is closed");
        bytes memory keys = new bytes(32 * n);
        bytes32 previous;
        bool executorClaimed;
        for (uint256 i = 0; i < n; ++i) {
            uint256 p = 42 + i * CLAIM_BYTES;
            bytes32 claimant = bytes32(body[p:p + 32]);
            require(i == 0 || uint256(claimant) > uint256(previous), "LeoLedger: claims out of order");
            uint32 votes = uint32(bytes4(body[p + 32:p + 36]));
            require(votes > 0 && votes < 1 << 31, "LeoLedger: votes out of range");
            require(members[claimant].admitted, "LeoLedger: a claim by a non-member");
            executorClaimed = executorClaimed || claimant == executor;
            assembly {
                mstore(add(add(keys, 32), mul(i, 32)), claimant)
            }
            previous = claimant;
        }
        require(executorClaimed, "LeoLedger: malformed group");
        t.executor = executor;
        t.groupKeys = keccak256(keys);
    }

    // TaskSettled: task seq 8 | certificate seq 8 | count 2 | (member 32 | penalised 1)*: the group again, in its record's
    // order. Once per open task with a group; the certificate is a TRUSTED certificate of the task's clean-up round drawn at
    // its group's entry; the penalised are exactly those with a verdict against one of the task's certificates, and the
    // executor if one of its rounds was UNTRUSTED. Pays by Settlement.split; a penalised share is burned.
    function settleTask(bytes calldata body) internal {
        require(body.length >= 18, "LeoLedger: truncated record");
        uint64 task = uint64(bytes8(body[0:8]));
        uint64 certificate = uint64(bytes8(body[8:16]));
        uint256 n = uint16(bytes2(body[16:18]));
        require(n >= 2 && n <= MAX_GROUP_CLAIMS && body.length == 18 + n * SHARE_BYTES, "LeoLedger: malformed settlement");
        Task storage t = requireOpen(task);
        require(t.groupKeys != 0, "LeoLedger: the task has no group yet");
        uint256 c = taskCertificates[certificate];
        require(c >> 16 == task, "LeoLedger: not a certificate of the task's rounds");
        require((c >> 8) & 0xff == PHASE_CLEANUP, "LeoLedger: not a clean-up certificate");
        require(c & 0xff == TRUSTED, "LeoLedger: the clean-up certificate is not TRUSTED");
        Service storage service = services[t.service];
        Split memory sp;
        sp.burn = burnOf(t.payment);
        uint64 rest = t.payment - sp.burn - service.price;
        sp.pool = rest / 2;
        sp.executorShare = rest - sp.pool;
        sp.each = sp.pool / uint64(n - 1);
        sp.extra = sp.pool % uint64(n - 1);
        require(payShares(task, t, service.author, body[18:], n, sp) == t.groupKeys, "LeoLedger: not the task's group");
        if (sp.authorPenalised) {
            sp.burn += service.price;
        } else {
            balanceOf[service.author] += service.price;
        }
        burned += sp.burn;
        escrowed -= t.payment;
        t.state = TASK_SETTLED_STATE;
        if (t.executorCaught) {
            halve(members[t.executor]);
        }
    }

    /// Settlement.split's figures as they are paid out: the burn grows by each penalised share.
    struct Split {
        uint64 burn;
        uint64 pool;
        uint64 executorShare;
        uint64 each;
        uint64 extra;
        uint64 monitor;
        bool authorPenalised;
    }

    /// Pays each share of the group (or burns it, if its member is penalised, which must be exactly as the flags say);
    /// returns the keccak256 of the group's keys, to compare with the recorded group's.
    function payShares(uint64 task, Task storage t, bytes32 author, bytes calldata shares, uint256 n, Split memory sp)
        internal returns (bytes32)
    {
        bytes memory keys = new bytes(32 * n);
        for (uint256 i = 0; i < n; ++i) {
            bytes32 m = bytes32(shares[i * SHARE_BYTES:i * SHARE_BYTES + 32]);
            bool isExecutor = m == t.executor;
            bool due = againstTask[keccak256(abi.encodePacked(task, m))] || (isExecutor && t.executorCaught);
            require(uint8(shares[i * SHARE_BYTES + 32]) == (due ? 1 : 0), "LeoLedger: the penalties are not the task's");
            assembly {
                mstore(add(add(keys, 32), mul(i, 32)), m)
            }
            sp.authorPenalised = sp.authorPenalised || (due && m == author);
            uint64 share;
            if (isExecutor) {
                share = sp.executorShare;
            } else {
                share = sp.each + (sp.monitor < sp.extra ? 1 : 0);
                ++sp.monitor;
            }
            if (due) {
                sp.burn += share;
            } else {
                balanceOf[m] += share;
            }
        }
        return keccak256(keys);
    }

    // TaskExpired: task seq 8; an open task past its expiry without a clean-up certificate: the owner gets the payment back
    // less the burn, nobody else anything
    function expireTask(uint64 s, bytes calldata body) internal {
        require(body.length == 8, "LeoLedger: malformed expiry");
        uint64 task = uint64(bytes8(body[0:8]));
        Task storage t = requireOpen(task);
        require(s > t.expiresAt, "LeoLedger: the task has not expired yet");
        require(t.cleanUp == 0, "LeoLedger: the task has its clean-up certificate");
        uint64 burn = burnOf(t.payment);
        balanceOf[t.owner] += t.payment - burn;
        burned += burn;
        escrowed -= t.payment;
        t.state = TASK_EXPIRED_STATE;
    }

    function requireOpen(uint64 task) internal view returns (Task storage t) {
        t = tasks[task];
        require(t.state != 0, "LeoLedger: not a task");
        require(t.state == TASK_OPEN, "LeoLedger: the task is closed");
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
        // the round of the first verdict: head 32 | HPC 6 | round number 8, after its 2-byte length
        taskRoundCertificate(s, bytes32(body[4:36]), uint64(bytes8(body[4 + 32 + MAC_BYTES:4 + ROUND_BYTES])), outcome);
    }

    /// A certificate of a task's round (TaskRound.java) drawn at the task's group entry, while the task is open, belongs to
    /// the task: an UNTRUSTED one catches its executor, the first TRUSTED clean-up one lets it be settled.
    function taskRoundCertificate(uint64 s, bytes32 roundHead, uint64 number, uint8 outcome) internal {
        if (number >> 62 != 1) {
            return;
        }
        uint8 phase = uint8((number >> 8) & 0xf);
        if (phase != PHASE_ATTEST && phase != PHASE_CLEANUP) {
            return;
        }
        uint64 task = (number & ~TASK_ROUND_MARK) >> 12;
        Task storage t = tasks[task];
        if (t.state != TASK_OPEN || t.groupKeys == 0 || t.groupHash != roundHead) {
            return;
        }
        taskCertificates[s] = uint256(task) << 16 | uint256(phase) << 8 | outcome;
        if (outcome == UNTRUSTED) {
            t.executorCaught = true;
        } else if (phase == PHASE_CLEANUP && t.cleanUp == 0) {
            t.cleanUp = s;
        }
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
        halve(m);
    }

    /// Half its credit, at least 10: for equivocating, and for an executor caught tampering with a task.
    function halve(Member storage m) internal {
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
        uint256 c = taskCertificates[because];
        if (c != 0) {
            againstTask[keccak256(abi.encodePacked(uint64(c >> 16), bytes32(body[0:32])))] = true;
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
        return perMember(from, limit, false);
    }

    /// Up to limit members from index from on, in admission order, with their token balance.
    function balances(uint256 from, uint256 limit) external view returns (bytes32[] memory keys, uint64[] memory amounts) {
        return perMember(from, limit, true);
    }

    function perMember(uint256 from, uint256 limit, bool tokens) internal view returns (bytes32[] memory keys, uint64[] memory amounts) {
        uint256 end = from + limit < memberKeys.length ? from + limit : memberKeys.length;
        uint256 n = end > from ? end - from : 0;
        keys = new bytes32[](n);
        amounts = new uint64[](n);
        for (uint256 i = 0; i < n; ++i) {
            keys[i] = memberKeys[from + i];
            amounts[i] = tokens ? balanceOf[keys[i]] : members[keys[i]].credit;
        }
    }

    function referenceValues(bytes calldata hpc) external view returns (bytes32 manifest, bytes32 measuredBoot, bytes32 golden) {
        bytes32[3] storage r = references[keccak256(hpc)];
        return (r[0], r[1], r[2]);
    }
}
