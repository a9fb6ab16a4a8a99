package org.leo.image.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SysUsersTest {
    /** Lines as Debian 12's systemd ships them (basic.conf, systemd-network.conf, systemd-journal.conf), and the image's own. */
    static final Map<String, String> CONFS = Map.of(
            "basic.conf", "# comment\ng adm 4 -\ng nogroup 65534 -\nu root 0 - /root /bin/bash\nu sync 4:65534 - /bin /bin/sync\n"
                    + "u nobody 65534:65534 - /nonexistent /usr/sbin/nologin\n",
            "systemd-network.conf", "u systemd-network - \"systemd Network Management\"\n",
            "systemd-journal.conf", "g systemd-journal - -\n",
            "leo-appliance.conf", "g tss -\nu tss -:tss \"TPM software stack\" /var/lib/tpm /bin/false\n"
                    + "u leo - \"Leo appliance\" /var/lib/leo /usr/sbin/nologin\nm leo tss\n");

    @Test
    void fixedIdsStayAndTheOthersAreAllocatedDownFrom999GroupsFirstInFileOrder() {
        SysUsers.Files f = SysUsers.build(CONFS);
        assertThat(f.passwd()).isEqualTo("""
                root:x:0:0::/root:/bin/bash
                sync:x:4:65534::/bin:/bin/sync
                systemd-network:x:996:996:systemd Network Management:/:/usr/sbin/nologin
                leo:x:997:997:Leo appliance:/var/lib/leo:/usr/sbin/nologin
                tss:x:999:999:TPM software stack:/var/lib/tpm:/bin/false
                nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin
                """);
        // groups first (tss, then systemd-journal: file names in order), then the users' own groups (leo, systemd-network)
        assertThat(f.group()).isEqualTo("""
                root:x:0:
                adm:x:4:
                systemd-network:x:996:
                leo:x:997:
                systemd-journal:x:998:
                tss:x:999:leo
                nogroup:x:65534:
                """);
        assertThat(SysUsers.build(CONFS)).isEqualTo(f);
    }

    @Test
    void conflictsAndUndeclaredNamesAreRefusedWithTheirLine() {
        assertThatThrownBy(() -> SysUsers.build(Map.of("a.conf", "g one 5 -\ng two 5 -\n"))).hasMessage("a.conf line 2: gid 5 of group two is taken");
        assertThatThrownBy(() -> SysUsers.build(Map.of("a.conf", "m ghost nogroup\n")))
                .hasMessage("a.conf line 1: 'm ghost nogroup' names an undeclared user or group");
        assertThatThrownBy(() -> SysUsers.build(Map.of("a.conf", "x y\n"))).hasMessage("a.conf line 1: expected 'u|g|m|r NAME ...', got: x y");
        assertThatThrownBy(() -> SysUsers.build(Map.of("a.conf", "u Bad;name -\n"))).hasMessage("a.conf line 1: name 'Bad;name' is malformed");
        assertThatThrownBy(() -> SysUsers.build(Map.of("a.conf", "u x 70000\n"))).hasMessageContaining("id '70000' is not a number up to 65535");
    }
}
