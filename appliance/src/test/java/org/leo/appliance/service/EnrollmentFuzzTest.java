package org.leo.appliance.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.leo.pxe.dhcp.Reservation;

/**
 * Fuzzes the enrollment parsers: the operator API's body fields and the {@code --enroll} / DATA-DIR/enrolled line. Only
 * IllegalArgumentException; what is accepted is kept as one line that reads back as the same enrollment, so that no field
 * can smuggle a second enrollment (a line break, a ',' or '=') into the file.
 */
class EnrollmentFuzzTest {
    @FuzzTest(maxDuration = "15s")
    void fuzzFields(FuzzedDataProvider data) {
        String mac = data.consumeString(40);
        String address = data.consumeBoolean() ? null : data.consumeString(40);
        String hostname = data.consumeBoolean() ? null : data.consumeRemainingAsString();
        Reservation r;
        try {
            r = Enrollment.of(mac, address, hostname);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotEmpty().doesNotContain("\n", "\r");
            return;
        }
        roundTrips(r);
    }

    @FuzzTest(maxDuration = "15s")
    void fuzzLine(byte[] input) {
        String line = new String(input, java.nio.charset.StandardCharsets.UTF_8);
        Reservation r;
        try {
            r = Enrollment.parse(line);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotEmpty().doesNotContain("\n", "\r");
            return;
        }
        roundTrips(r);
    }

    private static void roundTrips(Reservation r) {
        String kept = Enrollment.format(r);
        assertThat(kept).matches("[0-9a-f:]{17}(=[0-9.]{7,15}(,[A-Za-z0-9][A-Za-z0-9.-]{0,62})?)?");
        assertThat(Enrollment.parse(kept)).isEqualTo(r);
    }
}
