package org.leo.boot.events;

/** How a boot file went on the wire. */
public enum Protocol {
    TFTP,
    HTTP
}
