package org.leo.protocol.tpm.eventlog;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventTypeTest {
    @Test
    void knownCodesGiveTheConstants() {
        assertThat(EventType.valueOf(0x3)).isSameAs(EventType.EV_NO_ACTION);
        assertThat(EventType.valueOf(0xD)).isSameAs(EventType.EV_IPL);
        assertThat(EventType.valueOf(0x80000003)).isSameAs(EventType.EV_EFI_BOOT_SERVICES_APPLICATION);
        assertThat(EventType.valueOf(0x800000E2)).isSameAs(EventType.EV_EFI_SPDM_FIRMWARE_CONFIG);
        assertThat(EventType.EV_EFI_HCRTM_EVENT.code()).isEqualTo(0x80000010);
        assertThat(EventType.EV_EFI_VARIABLE_AUTHORITY.code()).isEqualTo(0x800000E0);
        assertThat(EventType.EV_OMIT_BOOT_DEVICE_EVENTS.code()).isEqualTo(0x12);
    }

    @Test
    void toStringIsNameAndHexCode() {
        assertThat(EventType.EV_IPL).hasToString("EV_IPL(0xd)");
        assertThat(EventType.EV_PREBOOT_CERT).hasToString("EV_PREBOOT_CERT(0x0)");
        assertThat(EventType.EV_EFI_BOOT_SERVICES_APPLICATION).hasToString("EV_EFI_BOOT_SERVICES_APPLICATION(0x80000003)");
        assertThat(EventType.valueOf(0x1234)).hasToString("UNKNOWN(0x1234)");
        assertThat(EventType.valueOf(0xFFFFFFFF)).hasToString("UNKNOWN(0xffffffff)");
    }

    @Test
    void unknownCodesAreEqualByCodeAndNotKnown() {
        EventType a = EventType.valueOf(0x80000011);
        assertThat(a).isEqualTo(EventType.valueOf(0x80000011)).hasSameHashCodeAs(EventType.valueOf(0x80000011));
        assertThat(a).isNotEqualTo(EventType.valueOf(0x80000012));
        assertThat(a.isKnown()).isFalse();
        assertThat(a.name()).isEqualTo("UNKNOWN");
        assertThat(EventType.EV_SEPARATOR.isKnown()).isTrue();
    }

    @Test
    void everyConstantIsKnownUnderItsOwnNameAndCode() throws Exception {
        List<EventType> constants = new ArrayList<>();
        for (Field f : EventType.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == EventType.class) {
                EventType t = (EventType) f.get(null);
                assertThat(t.name()).isEqualTo(f.getName());
                assertThat(EventType.valueOf(t.code())).isSameAs(t);
                constants.add(t);
            }
        }
        assertThat(constants).hasSize(35).doesNotHaveDuplicates();
    }
}
