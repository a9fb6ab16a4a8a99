package org.leo.consensus.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/** Fuzzes reading a record back: IllegalArgumentException or a record whose body is exactly the input. */
class LedgerCodecFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void fuzzDecode(FuzzedDataProvider data) {
        int type = data.consumeInt(0, 13);
        byte[] body = data.consumeRemainingAsBytes();
        LedgerRecord r;
        try {
            r = LedgerCodec.decode(type, body);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotEmpty();
            return;
        }
        assertThat(r.body()).isEqualTo(body);
        assertThat(r.describe()).isNotEmpty();
    }
}
