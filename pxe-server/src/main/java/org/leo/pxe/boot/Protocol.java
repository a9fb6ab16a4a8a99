package org.leo.pxe.boot;

/** How a boot file went on the wire. */
public enum Protocol {
    TFTP,
    HTTP
}
