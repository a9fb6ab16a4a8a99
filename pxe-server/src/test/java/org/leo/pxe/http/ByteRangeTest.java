package org.leo.pxe.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ByteRangeTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
        "NULL|1000|FULL|0|999",
        "bytes=0-0|1000|PARTIAL|0|0",
        "bytes=0-999|1000|PARTIAL|0|999",
        "bytes=0-5000|1000|PARTIAL|0|999",
        "bytes=999-|1000|PARTIAL|999|999",
        "bytes=1000-|1000|UNSATISFIABLE|0|-1",
        "bytes=-1|1000|PARTIAL|999|999",
        "bytes=-1000|1000|PARTIAL|0|999",
        "bytes=-5000|1000|PARTIAL|0|999",
        "bytes=-0|1000|UNSATISFIABLE|0|-1",
        " BYTES=1-2 |1000|PARTIAL|1|2",
        "bytes = 1-2|1000|FULL|0|999",
        "bytes=0-|0|UNSATISFIABLE|0|-1",
        "bytes=-1|0|UNSATISFIABLE|0|-1",
        "bytes=5-4|1000|FULL|0|999",
        "bytes=1-2,3-4|1000|FULL|0|999",
        "bytes=a-b|1000|FULL|0|999",
        "bytes=+1-2|1000|FULL|0|999",
        "bytes=-|1000|FULL|0|999",
        "bytes=1|1000|FULL|0|999",
        "bytes=1-2-3|1000|FULL|0|999",
        "chars=1-2|1000|FULL|0|999",
        "bytes=0-1234567890123456789|1000|FULL|0|999",
        "bytes=123456789012345678-|1000|UNSATISFIABLE|0|-1",
    })
    void parses(String header, long size, ByteRange.Kind kind, long first, long last) {
        assertThat(ByteRange.parse(header, size)).isEqualTo(new ByteRange(kind, first, last));
    }

    @Test
    void overlongHeaderIsIgnored() {
        assertThat(ByteRange.parse("bytes=0-1" + " ".repeat(300), 10).kind()).isEqualTo(ByteRange.Kind.FULL);
    }
}
