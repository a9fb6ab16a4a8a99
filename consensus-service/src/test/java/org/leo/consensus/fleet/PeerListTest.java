package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.leo.boot.net.MacAddress;

/** The static peer list as Ansible writes it: every field, comments, and each malformed line refused by number. */
class PeerListTest {
    static final String M1 = "11".repeat(32);
    static final String M2 = "22".repeat(32);
    static final String AK = "aa".repeat(32);
    static final String CA = "cc".repeat(32);

    @Test
    void everyFieldIsReadAndCommentsAndBlankLinesAreSkipped() {
        PeerList l = PeerList.parse("""
                # the lab fleet
                %s pi-1.lab:7450 %s ca=%s hpc=52:54:00:77:00:10,52:54:00:77:00:11   # serves two HPCs

                %s [fd00::2]:7450 %s
                """.formatted(M1, AK, CA, M2, AK.toUpperCase()), "peers.txt");
        PeerList.Peer p1 = l.member(M1).orElseThrow();
        assertThat(p1.host()).isEqualTo("pi-1.lab");
        assertThat(p1.port()).isEqualTo(7450);
        assertThat(p1.akSha256()).isEqualTo(HexFormat.of().parseHex(AK));
        assertThat(p1.caSha256()).get().isEqualTo(HexFormat.of().parseHex(CA));
        assertThat(l.servingHpc(MacAddress.parse("52:54:00:77:00:11"))).get().extracting(PeerList.Peer::memberHex).isEqualTo(M1);
        PeerList.Peer p2 = l.member(M2).orElseThrow();
        assertThat(p2.host()).isEqualTo("fd00::2");
        assertThat(p2.caSha256()).isEmpty();
        assertThat(p2.hpcs()).isEmpty();
        assertThat(PeerList.parse(l.toText(), "again").all()).extracting(PeerList.Peer::toLine)
                .containsExactlyElementsOf(l.all().stream().map(PeerList.Peer::toLine).toList());
    }

    @Test
    void eachMalformedLineIsRefusedWithItsNumber() {
        assertThatThrownBy(() -> PeerList.parse("# x\n" + M1 + " pi:7450\n", "peers.txt")).hasMessage(
                "peers.txt line 2: expected 'member-key-hex host:port ak-sha256-hex [ca=HEX] [hpc=MAC,...]', got 2 field(s)");
        assertThatThrownBy(() -> PeerList.parse("abc pi:7450 " + AK, "p")).hasMessage("p line 1: member key 'abc' is not 64 hex digits");
        assertThatThrownBy(() -> PeerList.parse(M1 + " pi:0 " + AK, "p")).hasMessage("p line 1: address 'pi:0': the port must be 1..65535");
        assertThatThrownBy(() -> PeerList.parse(M1 + " pi " + AK, "p")).hasMessage("p line 1: address 'pi' is not host:port");
        assertThatThrownBy(() -> PeerList.parse(M1 + " pi:1 " + AK + " hpc=nope", "p")).hasMessage("p line 1: HPC 'nope' is not a MAC address");
        assertThatThrownBy(() -> PeerList.parse(M1 + " pi:1 " + AK + " ca=" + CA + " ca=" + CA, "p"))
                .hasMessage("p line 1: unknown or repeated field 'ca=" + CA + "' (expected ca=HEX or hpc=MAC,...)");
    }

    @Test
    void aMemberListedTwiceOrAnHpcServedByTwoPisIsRefused() {
        assertThatThrownBy(() -> PeerList.parse(M1 + " a:1 " + AK + "\n" + M1 + " b:1 " + AK, "p"))
                .hasMessage("p: member " + M1 + " is listed twice");
        assertThatThrownBy(() -> PeerList.parse(M1 + " a:1 " + AK + " hpc=52:54:00:77:00:10\n" + M2 + " b:1 " + AK + " hpc=52:54:00:77:00:10", "p"))
                .hasMessage("p: HPC 52:54:00:77:00:10 is served by two Pis: " + M1 + " and " + M2);
    }
}
